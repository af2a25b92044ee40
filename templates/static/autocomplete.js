/* autocomplete.js: suggestions for the search box of every page, from the
 * site's terms.json ([{field, term, count}], most used first; body
 * data-terms-url), loaded once, on the first focus of the box.
 *
 * Matching ignores accents and case ("rontgen" finds "Röntgen") and is by
 * prefix: of the whole box first, then of the word being typed (which a
 * choice then replaces). The ARIA 1.2 combobox pattern: the input keeps
 * the focus, aria-activedescendant names the highlighted option; Down and
 * Up move, Enter takes the highlighted option and searches, Escape closes
 * the list (and clears the box when it is already closed). */
(function () {
  'use strict';

  var V = window.vitrine;
  var input = document.getElementById('site-search');
  var list = document.getElementById('site-search-list');
  if (!V || !input || !list)
    return;
  var form = input.form;

  var SHOWN = 8;
  var TERMS_MAX = 20000;       /* entries kept from terms.json */
  var TERM_LENGTH_MAX = 200;

  var terms = null;            /* [{term, field, folded, words}] once loaded */
  var loading = null;
  var options = [];            /* the shown suggestions */
  var active = -1;

  /* A polite live region telling how many suggestions there are. */
  var announcer = V.el('span', {className: 'visually-hidden', role: 'status'});
  list.parentNode.appendChild(announcer);

  function load() {
    if (terms || loading)
      return loading;
    var url = V.safeUrl(V.termsUrl);
    if (!url) {
      terms = [];
      return null;
    }
    loading = fetch(url, {headers: {Accept: 'application/json'}})
      .then(function (r) { return r.ok ? r.json() : []; })
      .then(function (data) {
        terms = [];
        var seen = Object.create(null);
        (Array.isArray(data) ? data : []).slice(0, TERMS_MAX).forEach(function (t) {
          if (!t || typeof t.term !== 'string' || t.term === '' || t.term.length > TERM_LENGTH_MAX)
            return;
          var folded = V.fold(t.term);
          /* The same term in two fields is one suggestion (the more used). */
          if (seen[folded])
            return;
          seen[folded] = true;
          terms.push({term: t.term, field: typeof t.field === 'string' ? t.field : '',
                      folded: folded, words: folded.split(/[\s\-\/,.;:()]+/).filter(Boolean)});
        });
      })
      .catch(function () { terms = []; })
      .then(function () { loading = null; update(); });
    return loading;
  }

  /* Suggestions for the box's text: [{term, field, replace: 'all'|'word'}]. */
  function match(text) {
    var whole = V.fold(text.replace(/^\s+/, ''));
    if (!terms || whole.trim() === '')
      return [];
    var lastSpace = whole.search(/\s\S*$/);
    var word = lastSpace >= 0 ? whole.slice(lastSpace + 1) : whole;
    var found = [];
    var taken = Object.create(null);
    var i, t;
    for (i = 0; i < terms.length && found.length < SHOWN; i++) {
      t = terms[i];
      if (t.folded.indexOf(whole) === 0 && t.folded !== whole) {
        found.push({term: t.term, field: t.field, replace: 'all'});
        taken[t.folded] = true;
      }
    }
    if (word !== '')
      for (i = 0; i < terms.length && found.length < SHOWN; i++) {
        t = terms[i];
        if (taken[t.folded] || t.folded === word)
          continue;
        var hit = lastSpace >= 0 ? t.folded.indexOf(word) === 0
                                 : t.words.some(function (w) { return w.indexOf(word) === 0; });
        if (hit) {
          found.push({term: t.term, field: t.field, replace: lastSpace >= 0 ? 'word' : 'all'});
          taken[t.folded] = true;
        }
      }
    return found;
  }

  function setActive(index) {
    var items = list.children;
    if (active >= 0 && items[active])
      items[active].setAttribute('aria-selected', 'false');
    active = index;
    if (active >= 0 && items[active]) {
      items[active].setAttribute('aria-selected', 'true');
      input.setAttribute('aria-activedescendant', items[active].id);
      items[active].scrollIntoView({block: 'nearest'});
    } else {
      input.removeAttribute('aria-activedescendant');
    }
  }

  function close() {
    options = [];
    active = -1;
    list.replaceChildren();
    list.hidden = true;
    input.setAttribute('aria-expanded', 'false');
    input.removeAttribute('aria-activedescendant');
  }

  function open(found) {
    options = found;
    active = -1;
    list.replaceChildren();
    found.forEach(function (o, i) {
      var item = V.el('li', {id: 'site-search-option-' + i, role: 'option', 'aria-selected': 'false',
                             className: 'combobox__option'}, [
        V.el('span', {className: 'combobox__term', text: o.term}),
        o.field ? V.el('span', {className: 'combobox__field', text: ' ' + o.field.replace(/_/g, ' ')}) : null
      ]);
      /* mousedown, not click: the input must not lose the focus first. */
      item.addEventListener('mousedown', function (event) {
        event.preventDefault();
        choose(i);
      });
      list.appendChild(item);
    });
    list.hidden = false;
    input.setAttribute('aria-expanded', 'true');
    input.removeAttribute('aria-activedescendant');
    announcer.textContent = V.t(found.length === 1 ? 'suggestions-one' : 'suggestions-many',
                                {n: found.length});
  }

  function update() {
    if (document.activeElement !== input)
      return;
    var found = match(input.value);
    if (found.length === 0)
      close();
    else
      open(found);
  }

  function choose(index) {
    var o = options[index];
    if (!o)
      return;
    if (o.replace === 'word')
      input.value = input.value.replace(/\S*$/, o.term);
    else
      input.value = o.term;
    close();
    if (form) {
      if (typeof form.requestSubmit === 'function')
        form.requestSubmit();
      else
        form.submit();
    }
  }

  input.addEventListener('focus', load);
  input.addEventListener('input', function () {
    load();
    update();
  });
  input.addEventListener('keydown', function (event) {
    var shown = !list.hidden && options.length > 0;
    switch (event.key) {
    case 'ArrowDown':
      event.preventDefault();
      if (!shown) {
        update();
        if (options.length > 0 && event.altKey === false)
          setActive(0);
        return;
      }
      setActive(active + 1 >= options.length ? 0 : active + 1);
      return;
    case 'ArrowUp':
      if (!shown)
        return;
      event.preventDefault();
      setActive(active <= 0 ? options.length - 1 : active - 1);
      return;
    case 'Enter':
      if (shown && active >= 0) {
        event.preventDefault();
        choose(active);
      }
      return;
    case 'Escape':
      if (shown) {
        event.preventDefault();
        close();
      } else if (input.value !== '') {
        event.preventDefault();
        input.value = '';
      }
      return;
    case 'Tab':
      close();
      return;
    default:
      return;
    }
  });
  input.addEventListener('blur', function () { close(); });
})();
