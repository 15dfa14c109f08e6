// Progressive enhancement only: the form works without this file.
// Shows each slider's value as a number while the client moves it.
document.querySelectorAll('.vas input[type=range]').forEach(function (slider) {
  var out = document.createElement('output');
  out.setAttribute('for', slider.id);
  out.textContent = Number(slider.value).toFixed(1);
  slider.insertAdjacentElement('afterend', out);
  slider.addEventListener('input', function () { out.textContent = Number(slider.value).toFixed(1); });
});
