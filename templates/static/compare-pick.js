/* compare-pick.js: "Compare these" on an intervention page. Without a
 * choice the link compares the intervention's first six images; a tick box
 * on every card (added here) narrows it to the ticked ones (2 to 6). */
(function () {
  'use strict';

  var V = window.vitrine;
  var MIN = 2, MAX = 6;
  var link = document.querySelector('a.compare-these');
  if (!link || !V)
    return;
  var hint = document.querySelector('.compare-these__hint');
  var all = [];
  var picked = [];

  function idOf(card) {
    var a = card.querySelector('a.card__link');
    var m = a ? /\/assets\/([a-z0-9]{1,64})\.html$/.exec(a.getAttribute('href') || '') : null;
    return m ? m[1] : null;
  }

  function refresh() {
    var ids = picked.length > 0 ? picked : all.slice(0, MAX);
    var ok = ids.length >= MIN && ids.length <= MAX;
    if (ok) {
      link.href = V.pages + 'compare.html#ids=' + ids.join(',') + '&mode=sync';
      link.removeAttribute('aria-disabled');
    } else {
      link.removeAttribute('href');
      link.setAttribute('aria-disabled', 'true');
    }
    if (hint)
      hint.textContent = picked.length === 0
        ? V.t(all.length > MAX ? 'pick-first-six' : 'pick-fewer')
        : V.t(ok ? 'pick-ticked' : 'pick-ticked-range', {n: picked.length});
  }

  document.querySelectorAll('.group .card').forEach(function (card) {
    var id = idOf(card);
    if (!id || all.indexOf(id) >= 0)
      return;
    all.push(id);
    var label = (card.querySelector('.card__label') || {}).textContent || id;
    var box = V.el('input', {type: 'checkbox', 'aria-label': V.t('pick-compare', {label: label.trim()})});
    box.addEventListener('change', function () {
      picked = picked.filter(function (x) { return x !== id; });
      if (box.checked)
        picked.push(id);
      refresh();
    });
    card.appendChild(V.el('label', {className: 'card__select'}, [box, V.el('span', {'aria-hidden': 'true', text: 'Compare'})]));
  });
  refresh();
})();
