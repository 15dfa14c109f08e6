// Progressive enhancement only: the form works without this file.
// Each 0-10 choice becomes a slider that starts WITHOUT a value: nothing is sent for it until
// the client moves or taps it. A screen reader hears "7.5 of 10, Completely".
(function () {
  var lang = document.documentElement.lang || 'en';
  var number = new Intl.NumberFormat(lang, { minimumFractionDigits: 1, maximumFractionDigits: 1 });

  document.querySelectorAll('fieldset.vas').forEach(function (group) {
    var id = group.dataset.item;
    var points = group.querySelector('.points');
    var checked = group.querySelector('input[type=radio]:checked');
    var given = group.dataset.value || (checked ? checked.value : '');
    var valid = /^[0-9]{1,2}(\.[0-9]{1,2})?$/.test(given) && Number(given) <= 10;

    var slider = document.createElement('input');
    slider.type = 'range';
    slider.id = id;
    slider.min = '0';
    slider.max = '10';
    slider.step = '0.1';
    slider.value = valid ? given : '5';
    slider.setAttribute('aria-labelledby', id + '-legend');
    var described = group.getAttribute('aria-describedby');
    if (described) { slider.setAttribute('aria-describedby', described); }
    if (group.querySelector('[aria-invalid]')) { slider.setAttribute('aria-invalid', 'true'); }

    var carried = document.createElement('input');
    carried.type = 'hidden';
    carried.name = id;
    carried.value = valid ? given : '';
    carried.disabled = !valid;

    var out = document.createElement('output');
    out.setAttribute('for', id);
    out.setAttribute('aria-hidden', 'true');

    function show(touched) {
      group.classList.toggle('untouched', !touched);
      if (!touched) {
        out.textContent = group.dataset.unset;
        slider.setAttribute('aria-valuetext', group.dataset.unset);
        return;
      }
      var value = Number(slider.value);
      var anchor = value >= 5 ? group.dataset.high : group.dataset.low;
      out.textContent = number.format(value);
      slider.setAttribute('aria-valuetext', group.dataset.valuetext
        .replace('{value}', number.format(value)).replace('{anchor}', anchor));
    }
    function answer() {
      carried.disabled = false;
      carried.value = slider.value;
      show(true);
    }

    points.querySelectorAll('input').forEach(function (radio) { radio.disabled = true; });
    points.hidden = true;
    var wrap = document.createElement('div');
    wrap.className = 'slider';
    wrap.appendChild(slider);
    wrap.appendChild(out);
    wrap.appendChild(carried);
    points.insertAdjacentElement('afterend', wrap);
    slider.addEventListener('input', answer);
    slider.addEventListener('change', answer);
    // A tap right on the (invisible) middle moves nothing, but it is still an answer.
    slider.addEventListener('pointerup', answer);
    show(valid);
  });

  var problems = document.getElementById('form-problems') || document.getElementById('form-unanswered');
  if (problems) { problems.focus(); }
}());
