/* vitrine.js: helpers shared by the site's scripts (window.vitrine).
 *
 * Loaded with "defer" before the other scripts, so they can rely on it.
 * Everything that comes from outside the page (the search service's
 * answers, terms.json, localStorage) is put into the page with
 * createElement/textContent, never as HTML; the one exception is the
 * search snippet, which goes through sanitizeSnippet() below. */
(function () {
  'use strict';

  var body = document.body;

  /* Accent- and case-insensitive form of a string, for matching:
   * "Röntgen" and "rontgen" fold to the same text. */
  function fold(text) {
    return String(text).normalize('NFD').replace(/\p{M}/gu, '').toLowerCase();
  }

  /* An absolute http(s) URL for @value (resolved against the page), or
   * null: a value from outside never becomes a javascript: or data: link. */
  function safeUrl(value) {
    if (typeof value !== 'string' || value === '' || value.length > 4096)
      return null;
    var url;
    try {
      url = new URL(value, document.baseURI);
    } catch (e) {
      return null;
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:' &&
        !(url.protocol === 'file:' && location.protocol === 'file:'))
      return null;
    return url.href;
  }

  /* createElement with attributes and children (strings become text). */
  function el(tag, attrs, children) {
    var node = document.createElement(tag);
    if (attrs) {
      Object.keys(attrs).forEach(function (name) {
        var value = attrs[name];
        if (value === null || value === undefined || value === false)
          return;
        if (name === 'text')
          node.textContent = value;
        else if (name === 'className')
          node.className = value;
        else
          node.setAttribute(name, value === true ? '' : String(value));
      });
    }
    (children || []).forEach(function (child) {
      if (child === null || child === undefined)
        return;
      node.appendChild(typeof child === 'string' ? document.createTextNode(child) : child);
    });
    return node;
  }

  var SNIPPET_MAX = 10000;
  var SNIPPET_TAGS = {B: 'b', EM: 'em', MARK: 'mark'};
  var SNIPPET_DROP = {SCRIPT: true, STYLE: true, TEMPLATE: true, NOSCRIPT: true};

  function copySnippetNodes(from, to) {
    for (var node = from.firstChild; node; node = node.nextSibling) {
      if (node.nodeType === Node.TEXT_NODE) {
        to.appendChild(document.createTextNode(node.nodeValue));
      } else if (node.nodeType === Node.ELEMENT_NODE) {
        if (SNIPPET_DROP[node.tagName])
          continue;
        var tag = SNIPPET_TAGS[node.tagName];
        if (tag) {
          /* A fresh element: no attribute of the original survives. */
          var copy = document.createElement(tag);
          copySnippetNodes(node, copy);
          to.appendChild(copy);
        } else {
          /* Any other element: its text only. */
          copySnippetNodes(node, to);
        }
      }
    }
  }

  /* A DocumentFragment from the search service's snippet: text with
   * <b>, <em> and <mark> highlights, everything else reduced to its text.
   * DOMParser makes an inert document: nothing in it runs or loads. */
  function sanitizeSnippet(html) {
    var fragment = document.createDocumentFragment();
    if (typeof html !== 'string' || html === '')
      return fragment;
    if (html.length > SNIPPET_MAX)
      html = html.slice(0, SNIPPET_MAX);
    var doc = new DOMParser().parseFromString('<!DOCTYPE html><body>' + html, 'text/html');
    copySnippetNodes(doc.body, fragment);
    return fragment;
  }

  /* One card, the same markup as templates/card.html. @card: {label, url
   * (absolute), thumbnail, lang, meta}. */
  function card(data) {
    var url = safeUrl(data.url);
    var thumbnail = safeUrl(data.thumbnail);
    var label = String(data.label || data.id || '');
    var lang = typeof data.lang === 'string' && /^[A-Za-z]{2,8}(-[A-Za-z0-9]{1,8})*$/.test(data.lang)
      ? data.lang : null;
    var frame = el('span', {className: 'card__frame'}, [
      thumbnail
        ? el('img', {src: thumbnail, alt: label, lang: lang, loading: 'lazy', decoding: 'async'})
        : el('span', {className: 'card__noimage', text: t('no-preview')})
    ]);
    var link = el(url ? 'a' : 'span', {className: 'card__link', href: url}, [
      frame, el('span', {className: 'card__label', dir: 'auto', lang: lang, text: label})
    ]);
    var item = el('li', {className: 'card'}, [link]);
    if (data.meta)
      item.appendChild(el('span', {className: 'card__meta', text: data.meta}));
    return item;
  }

  /* Department labels by id, from the footer's links (so the search page
   * shows "Photography", not "photo", without a second data file). */
  function departmentLabels() {
    var labels = {};
    document.querySelectorAll('[data-department]').forEach(function (a) {
      labels[a.getAttribute('data-department')] = a.textContent;
    });
    return labels;
  }

  /* Progressive touches on values the templates can only print raw:
   * dates (<time class="date">) in words, byte counts (data-bytes) in MB,
   * both in the page's language (the site's English is British: day,
   * month, year). */
  var pageLang = document.documentElement.lang || 'en';
  var locale = pageLang === 'en' ? 'en-GB' : pageLang;
  document.querySelectorAll('time.date[datetime]').forEach(function (node) {
    var when = new Date(node.getAttribute('datetime'));
    if (!isNaN(when.getTime()))
      node.textContent = when.toLocaleString(locale, {dateStyle: 'long', timeStyle: 'short'});
  });
  function formatUnit(n, unit, display, digits) {
    return new Intl.NumberFormat(locale, {style: 'unit', unit: unit, unitDisplay: display,
                                          maximumFractionDigits: digits}).format(n);
  }
  document.querySelectorAll('[data-bytes]').forEach(function (node) {
    var bytes = Number(node.getAttribute('data-bytes'));
    if (!isFinite(bytes) || bytes < 0)
      return;
    /* Intl says the units in the page's language (1,2 Mo; 1.234 bytes). */
    var units = ['byte', 'kilobyte', 'megabyte', 'gigabyte', 'terabyte'], value = bytes, u = 0;
    while (value >= 1000 && u < units.length - 1) {
      value /= 1000;
      u++;
    }
    var exact = formatUnit(bytes, 'byte', 'long', 0);
    node.textContent = u === 0 ? exact
                               : formatUnit(value, units[u], 'short', value < 10 ? 1 : 0) + ' (' + exact + ')';
  });

  /* Interface text for the scripts: the page's <template class="vt-strings">
   * (the header's, the page's own) hold each text the generator translated
   * into the page's language,
   * <span data-k="KEY">text</span>; t(KEY, {name: value}) gives it with its
   * {name} placeholders filled (as text: callers put it in with
   * textContent). A key the page lacks gives the key, which a test would see. */
  var strings = null;
  function t(key, values) {
    if (!strings) {
      strings = Object.create(null);
      var tpls = document.querySelectorAll('template.vt-strings');
      for (var k = 0; k < tpls.length; k++) {
        var spans = tpls[k].content.querySelectorAll('[data-k]');
        for (var i = 0; i < spans.length; i++)
          strings[spans[i].getAttribute('data-k')] = spans[i].textContent;
      }
    }
    var text = key in strings ? strings[key] : key;
    return text.replace(/\{([A-Za-z0-9_.]+)\}/g, function (all, name) {
      return values && Object.prototype.hasOwnProperty.call(values, name) ? String(values[name]) : all;
    });
  }

  window.vitrine = {
    root: body.getAttribute('data-root') || '',
    t: t,
    /* Links to pages: the language's folder with [site] languages (else root). */
    pages: body.hasAttribute('data-pages') ? body.getAttribute('data-pages')
                                           : body.getAttribute('data-root') || '',
    searchUrl: body.getAttribute('data-search-url') || '',
    termsUrl: body.getAttribute('data-terms-url') || '',
    fold: fold,
    safeUrl: safeUrl,
    el: el,
    sanitizeSnippet: sanitizeSnippet,
    card: card,
    departmentLabels: departmentLabels
  };
})();
