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
