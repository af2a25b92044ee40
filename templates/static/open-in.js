/* open-in.js: what static/mirador.html and static/uv.html share
 * (window.vitrineOpenIn). Only a manifest of this site's own origin is
 * opened: a manifest file (…/manifest.json, …/collection.json) or a shared
 * selection made by the site's search CGI (…/vitrine-search.cgi?selection=…);
 * the pages are not open viewers for any address someone puts in a link.
 * ?lang= (the opening page's language) chooses the language of their texts
 * and of the viewer. */
(function () {
  'use strict';

  /* The ?manifest= of this page as a URL of this site, or null. */
  function manifestParam() {
    var param = new URLSearchParams(location.search).get('manifest');
    var url = null;
    try {
      url = param ? new URL(param, location.href) : null;
    } catch (e) {
      return null;
    }
    if (!url || url.origin !== location.origin || url.username || url.password)
      return null;
    if (/\.json$/.test(url.pathname) && !url.search)
      return url;
    if (/\/vitrine-search\.cgi$/.test(url.pathname) &&
        /^\?selection=[a-z0-9,]+$/.test(url.search.replace(/%2C/gi, ',')))
      return url;
    return null;
  }

  /* The back link goes to the page we came from, when it is on this site. */
  function backLink(link) {
    if (!link || !document.referrer)
      return;
    try {
      var from = new URL(document.referrer);
      if (from.origin === location.origin)
        link.href = from.href;
    } catch (e) { /* keep the link to the home page */ }
  }

  /* The ?lang= of this page (the language of the page that opened it), or
   * null. */
  function language() {
    var lang = new URLSearchParams(location.search).get('lang');
    return lang && /^[a-z]{2,3}(-[A-Za-z0-9]{1,8})?$/.test(lang) ? lang : null;
  }

  /* This page's texts in ?lang=: static/ is one folder for every
   * language, so the generator writes each language's texts as
   * static/lang/LANG.html (templates/viewer-strings.html; en.html always,
   * which a page without ?lang= or with one the site lacks reads), whose
   * <template class="vt-strings"> is added to this page for V.t
   * (vitrine.js). Then done(lang), lang being the language the page now
   * speaks (null: no texts could be had, the page stays as written). */
  function translate(done) {
    var V = window.vitrine;
    if (!V || !window.fetch || !window.DOMParser)
      return done(null);
    function texts(lang) {
      return fetch('lang/' + lang + '.html', {credentials: 'same-origin'}).then(function (r) {
        return r.ok ? r.text() : null;
      }).then(function (html) {
        return html ? {lang: lang, html: html} : null;
      });
    }
    var wanted = language() || 'en';
    texts(wanted).then(function (got) {
      return got || wanted === 'en' ? got : texts('en');
    }).then(function (got) {
      var strings = got && new DOMParser().parseFromString(got.html, 'text/html')
        .querySelector('template.vt-strings');
      if (!strings)
        return null;
      document.body.appendChild(document.importNode(strings, true));
      document.documentElement.lang = got.lang;
      var skip = document.querySelector('.skip-link');
      var back = document.querySelector('.mirador-bar__back');
      if (skip)
        skip.textContent = V.t('vw-skip');
      if (back)
        back.textContent = V.t('vw-back');
      return got.lang;
    }).catch(function () {
      return null;
    }).then(done);
  }

  /* What both viewer pages do first: this page's texts (translate), then
   * the manifest of ?manifest= and the back link, and @name's viewer
   * (@installed() says whether its script loaded); then run(url, lang),
   * lang being the page's language or null. Where one is missing,
   * @status (an element) says so, in the page's language. */
  function start(status, name, installed, run) {
    var V = window.vitrine;
    function fail(text) {
      status.textContent = text;
      status.classList.add('mirador-status--error');
    }
    if (!V)
      return;
    translate(function (lang) {
      var url = manifestParam();
      if (!url)
        return fail(V.t('vw-no-manifest', {name: name}));
      backLink(document.querySelector('.mirador-bar__back'));
      if (!installed())
        return fail(V.t('vw-not-installed', {name: name, url: url.href}));
      run(url, lang || language());
    });
  }

  window.vitrineOpenIn = {manifestParam: manifestParam, backLink: backLink, language: language,
                          translate: translate, start: start};
})();
