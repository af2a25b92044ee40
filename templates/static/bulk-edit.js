/* bulk-edit.js: on the internal search page, tick results and set one
 * field on all of them in one request to vitrine-edit.cgi ({"ids": [...]});
 * vitrined applies it all or nothing and keeps one audit entry per image.
 * One root: [data-module="bulk-edit"] (data-edit-url). The search results
 * (search.js) are drawn into #search-hits; a checkbox is added to each hit
 * as it appears, named after the hit's title. Text goes in with textContent
 * only. */
(function () {
  'use strict';
  /* The page's texts (V.t), or their keys without vitrine.js. */
  var V = window.vitrine || {t: function (key) { return key; }};

  var root = document.querySelector('[data-module="bulk-edit"]');
  var hits = document.getElementById('search-hits');
  if (!root || !hits || !window.fetch || !window.MutationObserver) return;

  var status = root.querySelector('.bulk-edit__status');
  var button = root.querySelector('button[type="submit"]');
  var selected = {};      /* asset id -> true */

  function say(text) { status.textContent = text; }

  function count() { return Object.keys(selected).length; }

  function update() {
    var n = count();
    button.textContent = V.t(n === 0 ? 'bulk-apply' : n === 1 ? 'bulk-apply-one' : 'bulk-apply-many', {n: n});
    button.disabled = n === 0;
  }

  /* The asset id of a hit, from its page link (assets/ID.html). */
  function idOf(li) {
    var link = li.querySelector('.hit__title a, a.hit__thumb');
    var m = link && /assets\/([a-z0-9]+)\.html/.exec(link.getAttribute('href') || '');
    return m ? m[1] : null;
  }

  function decorate(li) {
    if (!li.classList || !li.classList.contains('hit') || li.querySelector('.bulk-edit__pick')) return;
    var id = idOf(li);
    if (!id) return;
    var title = li.querySelector('.hit__title');
    var box = document.createElement('input');
    box.type = 'checkbox';
    box.className = 'bulk-edit__pick';
    box.id = 'bulk-pick-' + id;
    box.checked = !!selected[id];
    var label = document.createElement('label');
    label.className = 'bulk-edit__pick-label';
    label.htmlFor = box.id;
    label.textContent = V.t('bulk-select', {label: title ? title.textContent : id});
    box.addEventListener('change', function () {
      if (box.checked) selected[id] = true;
      else delete selected[id];
      update();
    });
    var wrap = document.createElement('div');
    wrap.className = 'bulk-edit__pick-row';
    wrap.appendChild(box);
    wrap.appendChild(label);
    li.insertBefore(wrap, li.firstChild);
  }

  function decorateAll() {
    Array.prototype.forEach.call(hits.children, decorate);
  }

  new MutationObserver(decorateAll).observe(hits, { childList: true });
  decorateAll();

  root.addEventListener('submit', function (e) {
    e.preventDefault();
    var ids = Object.keys(selected);
    var field = root.elements.field.value.trim();
    var value = root.elements.value.value.trim();
    if (!ids.length) { say(V.t('bulk-tick-first')); return; }
    if (!/^[a-z][a-z0-9_-]*$/.test(field) || field === 'visibility') {
      say(V.t('bulk-bad-name'));
      return;
    }
    if (!value) { say(V.t('ed-type-value')); return; }
    var v = { value: value };
    if (root.elements.lang.value) v.lang = root.elements.lang.value;
    var set = {};
    set[field] = [v];
    say(V.t('ed-saving'));
    fetch(root.getAttribute('data-edit-url'), {
      method: 'POST',
      credentials: 'same-origin',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ ids: ids, edit: { set: set } })
    }).then(function (r) {
      return r.json().catch(function () { return {}; }).then(function (body) {
        return { status: r.status, body: body };
      });
    }).then(function (a) {
      if (a.status === 200 && a.body.assets) {
        say(V.t(a.body.assets.length === 1 ? 'bulk-saved-one' : 'bulk-saved-many', {n: a.body.assets.length}));
      } else if (a.status === 202) {
        say(V.t('bulk-queued'));
      } else {
        say((a.body && a.body.message) || V.t('ed-not-saved', {status: a.status}));
      }
    }).catch(function () { say(V.t('ed-no-answer')); });
  });

  update();
  root.hidden = false;
})();
