/* favourites.js: the favourite toggle of an asset page and the list of the
 * favourites page. Favourites stay in this browser:
 * localStorage["vitrine.favourites"] holds a JSON array of {id, label, url,
 * thumbnail}, url absolute (templates/README.md). The stored list is
 * outside input like any other (another tab, an older version, a user's
 * hand): every entry is checked and shown as text. */
(function () {
  'use strict';

  var V = window.vitrine;
  var t = V.t;
  var KEY = 'vitrine.favourites';
  var MAX = 1000;              /* entries kept */
  var LABEL_MAX = 500;
  var ID_RE = /^[a-z0-9]{1,64}$/;

  function valid(f) {
    return f && typeof f === 'object' && typeof f.id === 'string' && ID_RE.test(f.id) &&
           typeof f.label === 'string' && typeof f.url === 'string' && V.safeUrl(f.url) !== null;
  }

  function load() {
    var list;
    try {
      list = JSON.parse(window.localStorage.getItem(KEY) || '[]');
    } catch (e) {
      return [];
    }
    return Array.isArray(list) ? list.filter(valid).slice(0, MAX) : [];
  }

  /* False when the browser refuses (storage off, full, private mode). */
  function save(list) {
    try {
      window.localStorage.setItem(KEY, JSON.stringify(list.slice(0, MAX)));
      return true;
    } catch (e) {
      return false;
    }
  }

  function has(list, id) {
    return list.some(function (f) { return f.id === id; });
  }

  /* --- the toggle on an asset page ----------------------------------- */

  function setupToggle(button) {
    var id = button.getAttribute('data-id');
    if (!ID_RE.test(id || ''))
      return;
    var here = location.href.split('#')[0].split('?')[0];

    function refresh() {
      button.setAttribute('aria-pressed', has(load(), id) ? 'true' : 'false');
    }

    button.addEventListener('click', function () {
      var list = load();
      var on = has(list, id);
      if (on) {
        list = list.filter(function (f) { return f.id !== id; });
      } else {
        list.unshift({id: id, label: (button.getAttribute('data-label') || id).slice(0, LABEL_MAX),
                      url: here, thumbnail: V.safeUrl(button.getAttribute('data-thumbnail')) || ''});
      }
      if (!save(list)) {
        button.setAttribute('title', t('no-storage'));
        return;
      }
      refresh();
    });
    window.addEventListener('storage', function (event) {
      if (event.key === KEY)
        refresh();
    });
    refresh();
    button.hidden = false;
  }

  /* --- the favourites page --------------------------------------------- */

  /* The compare page takes 2 to 6 images (compare.js). */
  var COMPARE_MIN = 2, COMPARE_MAX = 6;

  function setupPage(listBox) {
    var status = document.getElementById('favourites-status');
    var clear = document.getElementById('favourites-clear');
    var tools = document.getElementById('favourites-tools');
    var count = document.getElementById('favourites-selected');
    var compare = document.getElementById('favourites-compare');
    var selected = [];        /* ids, in the order they were ticked */

    /* Share and open-in take the ticked images, or every favourite. */
    function shareIds() {
      return selected.length > 0 ? selected.slice() : load().map(function (f) { return f.id; });
    }
    var share = window.vitrineShare ? window.vitrineShare.setup(tools, shareIds) : null;

    function refreshTools() {
      var list = load();
      selected = selected.filter(function (id) { return has(list, id); });
      if (tools)
        tools.hidden = list.length === 0;
      var n = selected.length;
      var ok = n >= COMPARE_MIN && n <= COMPARE_MAX;
      if (compare) {
        if (ok) {
          compare.href = V.pages + 'compare.html#ids=' + selected.join(',') + '&mode=sync';
          compare.removeAttribute('aria-disabled');
        } else {
          compare.removeAttribute('href');
          compare.setAttribute('aria-disabled', 'true');
        }
      }
      if (count)
        count.textContent = t(n === 0 ? 'selected-none' : n === 1 ? 'selected-one' : 'selected-many', {n: n}) +
          (ok ? '.' : t('select-to-compare', {min: COMPARE_MIN, max: COMPARE_MAX})) +
          ' ' + t(n === 0 ? 'sharing-all' : 'sharing-selected');
      if (share)
        share.refresh();
    }

    function render(focusIndex) {
      var list = load();
      listBox.replaceChildren();
      list.forEach(function (f) {
        var item = V.card({id: f.id, label: f.label.slice(0, LABEL_MAX), url: f.url, thumbnail: f.thumbnail});
        var tick = V.el('input', {type: 'checkbox', className: 'card__select-box', 'data-id': f.id});
        tick.checked = selected.indexOf(f.id) >= 0;
        tick.addEventListener('change', function () {
          selected = selected.filter(function (id) { return id !== f.id; });
          if (tick.checked)
            selected.push(f.id);
          refreshTools();
        });
        item.appendChild(V.el('label', {className: 'card__select'},
                              [tick, V.el('span', {className: 'visually-hidden', text: t('select-label', {label: f.label.slice(0, LABEL_MAX)})}),
                               V.el('span', {'aria-hidden': 'true', text: t('select')})]));
        var remove = V.el('button', {type: 'button', className: 'card__remove',
                                     'aria-label': t('remove-label', {label: f.label.slice(0, LABEL_MAX)}),
                                     text: t('remove')});
        remove.addEventListener('click', function () {
          var index = Array.prototype.indexOf.call(listBox.children, item);
          save(load().filter(function (g) { return g.id !== f.id; }));
          render(index);
        });
        item.appendChild(remove);
        listBox.appendChild(item);
      });
      if (status)
        status.textContent = list.length === 0
          ? t('none') : t(list.length === 1 ? 'one' : 'many', {n: list.length});
      if (clear)
        clear.hidden = list.length === 0;
      refreshTools();
      /* After a removal, the focus goes to the next card (or the status). */
      if (typeof focusIndex === 'number') {
        var next = listBox.children[Math.min(focusIndex, listBox.children.length - 1)];
        var target = next ? next.querySelector('.card__remove') : null;
        if (target)
          target.focus();
        else if (status) {
          status.setAttribute('tabindex', '-1');
          status.focus();
        }
      }
    }

    if (clear)
      clear.addEventListener('click', function () {
        if (window.confirm(t('confirm-clear'))) {
          save([]);
          render(0);
        }
      });
    window.addEventListener('storage', function (event) {
      if (event.key === KEY)
        render();
    });
    render();
  }

  document.querySelectorAll('.favourite-toggle').forEach(setupToggle);
  var listBox = document.getElementById('favourites-list');
  if (listBox)
    setupPage(listBox);
})();
