// Behaviour that would otherwise be inline handlers (the Content-Security-Policy allows this origin's scripts only).
document.addEventListener('submit', e => {
    const message = e.target.getAttribute && e.target.getAttribute('data-confirm');
    if (message && !window.confirm(message)) e.preventDefault();
});
document.addEventListener('click', e => {
    if (e.target.closest && e.target.closest('[data-print]')) window.print();
});
// The break-glass form offers only the categories the chosen emergency opens (data-categories on each option).
function limitCategories(select) {
    const option = select.options[select.selectedIndex];
    const open = ((option && option.getAttribute('data-categories')) || '').split(' ');
    document.querySelectorAll('[data-category]').forEach(label => {
        const allowed = open.includes(label.getAttribute('data-category'));
        label.hidden = !allowed;
        const box = label.querySelector('input');
        if (box) { box.disabled = !allowed; if (!allowed) box.checked = false; }
    });
}
document.addEventListener('change', e => {
    if (e.target.matches && e.target.matches('select[data-limits-categories]')) limitCategories(e.target);
});
document.addEventListener('DOMContentLoaded', () => document.querySelectorAll('select[data-limits-categories]').forEach(limitCategories));

// ---- Phones and tablets (issue 16) ----
// The header's menu button opens and closes the main menu on narrow screens (CSS shows the button there only).
document.documentElement.classList.add('js');
document.addEventListener('click', e => {
    const toggle = e.target.closest && e.target.closest('[data-menu-toggle]');
    if (!toggle) return;
    const nav = document.getElementById(toggle.getAttribute('aria-controls'));
    const open = toggle.getAttribute('aria-expanded') !== 'true';
    toggle.setAttribute('aria-expanded', String(open));
    if (nav) nav.classList.toggle('open', open);
});
// Every table of the page scrolls inside its own box (a keyboard-reachable region named after the table's caption or the
// heading before it), so a wide table never makes the page scroll sideways.
document.addEventListener('DOMContentLoaded', () => document.querySelectorAll('main table').forEach(table => {
    if (table.parentElement && table.parentElement.classList.contains('table-scroll')) return;
    const box = document.createElement('div');
    box.className = 'table-scroll';
    box.tabIndex = 0;
    box.setAttribute('role', 'region');
    let heading = table.caption ? table.caption.textContent : '';
    for (let el = table; !heading && el && el !== document.body; el = el.parentElement) {
        let prev = el.previousElementSibling;
        while (prev && !/^H[1-6]$/.test(prev.tagName)) prev = prev.previousElementSibling;
        if (prev) heading = prev.textContent;
    }
    box.setAttribute('aria-label', (heading || 'Table').trim() + ' (table)');
    table.parentNode.insertBefore(box, table);
    box.appendChild(table);
}));
// ---- Forms and sessions (issue 16 items 5 and 6) ----
// Keeping typed input across a login: every posted form's fields (never passwords, files or the anti-forgery token) are put in
// this tab's sessionStorage when it is submitted. If the answer is the login page saying the session ended
// ([data-session-ended]), they are kept; after the login the page of the form is shown again and they are put back into the
// same form (found by its action) with a notice, then removed. Any other answer removes them at once.
(function () {
    var KEY = 'healthledger.keptForm';
    function postForm(form) {
        return form && form.tagName === 'FORM' && (form.getAttribute('method') || '').toLowerCase() === 'post';
    }
    function kept(el) {
        if (!el.name || el.disabled) return false;
        var type = (el.type || '').toLowerCase();
        return el.name !== '__RequestVerificationToken' && type !== 'password' && type !== 'file' && type !== 'submit' && type !== 'button' && type !== 'reset';
    }
    document.addEventListener('submit', function (e) {
        var form = e.target;
        if (e.defaultPrevented || !postForm(form) || form.hasAttribute('data-no-keep')) return;
        var fields = [];
        Array.prototype.forEach.call(form.elements, function (el) {
            if (!kept(el)) return;
            var type = (el.type || '').toLowerCase();
            if (type === 'checkbox' || type === 'radio') fields.push({ name: el.name, value: el.value, checked: el.checked });
            else if (el.tagName === 'SELECT' && el.multiple) fields.push({ name: el.name, values: Array.prototype.filter.call(el.options, function (o) { return o.selected; }).map(function (o) { return o.value; }) });
            else fields.push({ name: el.name, value: el.value });
        });
        try { sessionStorage.setItem(KEY, JSON.stringify({ action: form.action, fields: fields, waiting: false })); } catch (err) { /* storage full or off: nothing kept */ }
    });
    function restore(saved) {
        var form = Array.prototype.find.call(document.forms, function (f) { return postForm(f) && f.action === saved.action; });
        if (!form) return false;
        var seen = {};
        saved.fields.forEach(function (field) {
            var all = Array.prototype.filter.call(form.elements, function (el) { return el.name === field.name && kept(el); });
            if (all.length === 0) return;
            var type = (all[0].type || '').toLowerCase();
            if (type === 'checkbox' || type === 'radio') {
                all.forEach(function (el) { if (el.value === field.value) el.checked = field.checked; });
                return;
            }
            var n = seen[field.name] = (seen[field.name] || 0) + 1;
            var el = all[n - 1];
            if (!el) return;
            if (field.values) Array.prototype.forEach.call(el.options, function (o) { o.selected = field.values.indexOf(o.value) >= 0; });
            else el.value = field.value;
            el.dispatchEvent(new Event('change', { bubbles: true }));
        });
        var note = document.createElement('div');
        note.className = 'alert warn';
        note.setAttribute('role', 'status');
        note.setAttribute('data-testid', 'input-kept');
        note.textContent = 'Your input was kept — check it and submit again.';
        form.insertBefore(note, form.firstChild);
        var first = Array.prototype.find.call(form.elements, function (el) { return kept(el) && el.type !== 'hidden'; });
        if (first) first.focus();
        return true;
    }
    document.addEventListener('DOMContentLoaded', function () {
        var saved = null;
        try { saved = JSON.parse(sessionStorage.getItem(KEY) || 'null'); } catch (err) { saved = null; }
        if (!saved) return;
        if (document.querySelector('[data-session-ended]')) {
            saved.waiting = true;
            sessionStorage.setItem(KEY, JSON.stringify(saved));
            return;
        }
        if (saved.waiting && document.querySelector('.login form')) return; // a failed login attempt: still waiting
        sessionStorage.removeItem(KEY);
        if (saved.waiting) restore(saved);
    });
})();

// Busy state: a posted form says it is working (aria-busy, "Saving…" or its button's data-busy text) and its submit buttons are disabled, so a second click
// cannot post it twice. The buttons are disabled just after the submission (a disabled submitter would drop its own value).
// Coming back to the page from the browser's history undoes it.
(function () {
    document.addEventListener('submit', function (e) {
        var form = e.target;
        if (!form || form.tagName !== 'FORM' || (form.getAttribute('method') || '').toLowerCase() !== 'post' || form.hasAttribute('target')) return;
        if (form.getAttribute('aria-busy') === 'true') { e.preventDefault(); return; }
        if (e.defaultPrevented) return;
        form.setAttribute('aria-busy', 'true');
        var buttons = form.querySelectorAll('button:not([type]), button[type="submit"], input[type="submit"]');
        var submitter = e.submitter || buttons[0];
        if (submitter && submitter.tagName === 'BUTTON' && !form.hasAttribute('data-no-busy-text')) {
            submitter.setAttribute('data-label', submitter.textContent);
            submitter.textContent = submitter.getAttribute('data-busy') || 'Saving…';
        }
        setTimeout(function () { buttons.forEach(function (b) { b.disabled = true; }); }, 0);
    });
    window.addEventListener('pageshow', function (e) {
        if (!e.persisted) return;
        document.querySelectorAll('form[aria-busy="true"]').forEach(function (form) {
            form.removeAttribute('aria-busy');
            form.querySelectorAll('button, input[type="submit"]').forEach(function (b) {
                b.disabled = false;
                if (b.hasAttribute('data-label')) { b.textContent = b.getAttribute('data-label'); b.removeAttribute('data-label'); }
            });
        });
    });
})();

// After a refused post the first invalid field (aria-invalid, set by the server) takes the focus.
document.addEventListener('DOMContentLoaded', function () {
    var first = document.querySelector('main [aria-invalid="true"]');
    if (first && !document.querySelector('[data-testid="input-kept"]')) first.focus();
});
// A confirmation step (e.g. revoking access) takes the focus, so that it is read out first.
document.addEventListener('DOMContentLoaded', function () {
    var step = document.querySelector('[data-focus-on-load]');
    if (step) step.focus();
});
