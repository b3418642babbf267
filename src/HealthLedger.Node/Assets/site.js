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
