// Shows only the fields that apply to the chosen entry type (all fields stay usable without JavaScript).
(function () {
  var select = document.getElementById('Input_Type');
  if (!select) return;
  function update() {
    document.querySelectorAll('[data-for]').forEach(function (el) {
      el.style.display = el.getAttribute('data-for').split(' ').indexOf(select.value) >= 0 ? '' : 'none';
    });
  }
  select.addEventListener('change', update);
  update();
})();
