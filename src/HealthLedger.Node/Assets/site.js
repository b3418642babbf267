// Behaviour that would otherwise be inline handlers (the Content-Security-Policy allows this origin's scripts only).
document.addEventListener('submit', e => {
    const message = e.target.getAttribute && e.target.getAttribute('data-confirm');
    if (message && !window.confirm(message)) e.preventDefault();
});
document.addEventListener('click', e => {
    if (e.target.closest && e.target.closest('[data-print]')) window.print();
});
