/* metadata-editor.js: the internal asset page's form for the department's
 * own metadata (issue 9). One root: [data-module="metadata-editor"], with
 * data-edit-url (vitrine-edit.cgi), data-asset, data-version (of the custom
 * metadata the page shows), data-visibility and data-terms (terms.json).
 *
 * Add a value (a field from the configured list or another, an optional
 * language), remove one, change the visibility (publishers only: the CGI
 * says so otherwise). While a value is typed, the terms already used in
 * that field are suggested, most used first; a value that differs from a
 * term in use only by case, accents or spacing is pointed out before it is
 * saved ("did you mean 'craquelure', used 214 times?"). Each change is one
 * request with If-Match: the version; the answer is what was saved, shown
 * at once. Text goes in with textContent only. */
(function () {
  'use strict';
  /* The page's texts (V.t), or their keys without vitrine.js. */
  var V = window.vitrine || {t: function (key) { return key; }};

  var root = document.querySelector('[data-module="metadata-editor"]');
  if (!root || !window.fetch) return;

  var editUrl = root.getAttribute('data-edit-url');
  var assetId = root.getAttribute('data-asset');
  var version = root.getAttribute('data-version');
  var status = root.querySelector('.metadata-editor__status');
  var valuesList = root.querySelector('.metadata-editor__values');
  var form = root.querySelector('.metadata-editor__add');
  var fieldSelect = form.querySelector('select[name="field"]');
  var otherRow = form.querySelector('.metadata-editor__other');
  var otherInput = form.querySelector('input[name="other"]');
  var valueInput = form.querySelector('input[name="value"]');
  var langSelect = form.querySelector('select[name="lang"]');
  var listbox = form.querySelector('.metadata-editor__suggestions');
  var warning = form.querySelector('.metadata-editor__warning');
  var visForm = root.querySelector('.metadata-editor__visibility');
  var visSelect = visForm.querySelector('select');
  var customDl = document.querySelector('.metadata-group--custom dl');

  var terms = [];          /* [{field, term, count}], most used first */
  var custom = readCustom();
  var shown = [];          /* suggestions on screen */
  var active = -1;
  var confirmedNearDuplicate = null;

  function say(text) { status.textContent = text; }

  /* Case, accents and spacing do not make another term. */
  function normal(s) {
    return s.normalize('NFD').replace(/[\u0300-\u036f]/g, '').toLowerCase()
      .replace(/\s+/g, ' ').trim();
  }

  function label(name) {
    var s = name.replace(/[_-]/g, ' ');
    return s.charAt(0).toUpperCase() + s.slice(1);
  }

  /* The custom values the page shows: {field: [{value, lang?}]}. */
  function readCustom() {
    var out = {};
    if (!customDl) return out;
    customDl.querySelectorAll('[data-field]').forEach(function (div) {
      var values = [];
      div.querySelectorAll('dd').forEach(function (dd) {
        var v = { value: dd.textContent };
        if (dd.getAttribute('lang')) v.lang = dd.getAttribute('lang');
        values.push(v);
      });
      out[div.getAttribute('data-field')] = values;
    });
    return out;
  }

  function field() {
    return fieldSelect.value || otherInput.value.trim();
  }

  function kind() {
    var opt = fieldSelect.options[fieldSelect.selectedIndex];
    return (opt && opt.getAttribute('data-kind')) || 'text';
  }

  /* ---- the values: shown, and removable ---------------------------------- */

  function render() {
    if (customDl) {
      while (customDl.firstChild) customDl.removeChild(customDl.firstChild);
      Object.keys(custom).sort().forEach(function (name) {
        var div = document.createElement('div');
        div.className = 'field field--' + name;
        div.setAttribute('data-field', name);
        var dt = document.createElement('dt');
        dt.textContent = label(name);
        div.appendChild(dt);
        custom[name].forEach(function (v) {
          var dd = document.createElement('dd');
          dd.dir = 'auto';
          if (v.lang) dd.lang = v.lang;
          dd.textContent = v.value;
          div.appendChild(dd);
        });
        customDl.appendChild(div);
      });
    }
    while (valuesList.firstChild) valuesList.removeChild(valuesList.firstChild);
    Object.keys(custom).sort().forEach(function (name) {
      if (name === 'visibility') return;
      custom[name].forEach(function (v, i) {
        var li = document.createElement('li');
        var text = document.createElement('span');
        text.textContent = label(name) + ': ' + v.value + (v.lang ? ' (' + v.lang + ')' : '');
        var remove = document.createElement('button');
        remove.type = 'button';
        remove.className = 'metadata-editor__remove';
        remove.textContent = V.t('ed-remove');
        remove.setAttribute('aria-label', V.t('ed-remove-value', {field: label(name), value: v.value}));
        remove.addEventListener('click', function () { removeValue(name, i); });
        li.appendChild(text);
        li.appendChild(document.createTextNode(' '));
        li.appendChild(remove);
        valuesList.appendChild(li);
      });
    });
    visSelect.value = root.getAttribute('data-visibility') || 'public';
  }

  /* ---- saving ------------------------------------------------------------- */

  function send(edit, done) {
    say(V.t('ed-saving'));
    fetch(editUrl, {
      method: 'POST',
      credentials: 'same-origin',
      headers: { 'Content-Type': 'application/json', 'If-Match': '"' + version + '"' },
      body: JSON.stringify({ id: assetId, edit: edit })
    }).then(function (r) {
      return r.json().catch(function () { return {}; }).then(function (body) {
        return { status: r.status, body: body };
      });
    }).then(function (a) {
      if (a.status === 200 && a.body.assets && a.body.assets[0]) {
        var saved = a.body.assets[0];
        version = saved.version;
        root.setAttribute('data-version', version);
        root.setAttribute('data-visibility', saved.visibility);
        custom = saved.custom || {};
        render();
        say(V.t('ed-saved'));
        if (done) done();
      } else if (a.status === 409) {
        say(V.t('ed-conflict'));
      } else if (a.status === 202) {
        say(V.t('ed-queued'));
      } else {
        say((a.body && a.body.message) || V.t('ed-not-saved', {status: a.status}));
      }
    }).catch(function () {
      say(V.t('ed-no-answer'));
    });
  }

  function removeValue(name, index) {
    var rest = custom[name].filter(function (v, i) { return i !== index; });
    var edit = rest.length ? { set: {} } : { unset: [name] };
    if (rest.length) edit.set[name] = rest;
    send(edit);
  }

  function check(name, value) {
    if (!/^[a-z][a-z0-9_-]*$/.test(name) || name.length > 64)
      return V.t('ed-bad-name');
    if (name === 'visibility') return V.t('ed-visibility');
    if (kind() === 'url' && !/^https?:\/\/[^\s]+$/i.test(value))
      return V.t('ed-bad-url');
    if (kind() === 'date' && !/^\d{4}(-\d{2}(-\d{2})?)?$/.test(value))
      return V.t('ed-bad-date');
    return null;
  }

  /* A term in use that @value only differs from by case, accents or
   * spacing, or null. */
  function nearDuplicate(name, value) {
    var n = normal(value);
    for (var i = 0; i < terms.length; i++) {
      var t = terms[i];
      if (t.field === name && t.term !== value && normal(t.term) === n) return t;
    }
    return null;
  }

  function showWarning(t) {
    while (warning.firstChild) warning.removeChild(warning.firstChild);
    warning.appendChild(document.createTextNode(
      V.t(t.count === 1 ? 'ed-did-you-mean-once' : 'ed-did-you-mean', {term: t.term, n: t.count}) + ' '));
    var use = document.createElement('button');
    use.type = 'button';
    use.textContent = V.t('ed-use', {term: t.term});
    use.addEventListener('click', function () {
      valueInput.value = t.term;
      warning.hidden = true;
      valueInput.focus();
    });
    warning.appendChild(use);
    warning.appendChild(document.createTextNode(' ' + V.t('ed-keep-yours')));
    warning.hidden = false;
  }

  form.addEventListener('submit', function (e) {
    e.preventDefault();
    closeList();
    var name = field();
    var value = valueInput.value.trim();
    if (!value) { say(V.t('ed-type-value')); valueInput.focus(); return; }
    var problem = check(name, value);
    if (problem) { say(problem); return; }
    var near = nearDuplicate(name, value);
    if (near && confirmedNearDuplicate !== name + '\u0000' + value) {
      confirmedNearDuplicate = name + '\u0000' + value;
      showWarning(near);
      return;
    }
    warning.hidden = true;
    var v = { value: value };
    if (langSelect.value) v.lang = langSelect.value;
    var edit = { set: {} };
    edit.set[name] = (custom[name] || []).concat([v]);
    send(edit, function () {
      valueInput.value = '';
      confirmedNearDuplicate = null;
      valueInput.focus();
    });
  });

  visForm.addEventListener('submit', function (e) {
    e.preventDefault();
    send({ set: { visibility: visSelect.value } });
  });

  fieldSelect.addEventListener('change', function () {
    otherRow.hidden = fieldSelect.value !== '';
    warning.hidden = true;
    suggest();
  });

  /* ---- suggestions ---------------------------------------------------------- */

  function closeList() {
    listbox.hidden = true;
    valueInput.setAttribute('aria-expanded', 'false');
    valueInput.removeAttribute('aria-activedescendant');
    active = -1;
  }

  function pick(i) {
    valueInput.value = shown[i].term;
    closeList();
    warning.hidden = true;
    valueInput.focus();
  }

  function highlight(i) {
    var items = listbox.querySelectorAll('[role="option"]');
    items.forEach(function (li, k) { li.setAttribute('aria-selected', k === i ? 'true' : 'false'); });
    active = i;
    if (i >= 0) valueInput.setAttribute('aria-activedescendant', items[i].id);
  }

  function suggest() {
    var k = kind();
    var name = field();
    var typed = normal(valueInput.value);
    while (listbox.firstChild) listbox.removeChild(listbox.firstChild);
    shown = [];
    if (!typed || k === 'url' || k === 'date') { closeList(); return; }
    for (var i = 0; i < terms.length && shown.length < 8; i++) {
      var t = terms[i];
      if (t.field === name && normal(t.term).indexOf(typed) === 0) shown.push(t);
    }
    if (!shown.length) { closeList(); return; }
    shown.forEach(function (t, n) {
      var li = document.createElement('li');
      li.id = 'editor-suggestion-' + n;
      li.setAttribute('role', 'option');
      li.className = 'metadata-editor__suggestion';
      var term = document.createElement('span');
      term.textContent = t.term;
      var count = document.createElement('span');
      count.className = 'metadata-editor__count';
      count.textContent = ' (' + t.count + ')';
      li.appendChild(term);
      li.appendChild(count);
      /* mousedown, so the input keeps its focus. */
      li.addEventListener('mousedown', function (e) { e.preventDefault(); pick(n); });
      listbox.appendChild(li);
    });
    listbox.hidden = false;
    valueInput.setAttribute('aria-expanded', 'true');
    active = -1;
  }

  valueInput.addEventListener('input', function () {
    warning.hidden = true;
    suggest();
  });
  valueInput.addEventListener('keydown', function (e) {
    if (listbox.hidden) return;
    if (e.key === 'ArrowDown') { e.preventDefault(); highlight((active + 1) % shown.length); }
    else if (e.key === 'ArrowUp') { e.preventDefault(); highlight(active <= 0 ? shown.length - 1 : active - 1); }
    else if (e.key === 'Enter' && active >= 0) { e.preventDefault(); pick(active); }
    else if (e.key === 'Escape') { closeList(); }
  });
  valueInput.addEventListener('blur', function () { setTimeout(closeList, 100); });

  fetch(root.getAttribute('data-terms'), { credentials: 'same-origin' })
    .then(function (r) { return r.ok ? r.json() : []; })
    .then(function (list) { if (Array.isArray(list)) terms = list; })
    .catch(function () { /* no suggestions; editing still works */ });

  render();
  form.hidden = false;
  visForm.hidden = false;
  say('');
})();
