/* open-in.js: what static/mirador.html and static/uv.html share
 * (window.vitrineOpenIn). Only a manifest of this site's own origin is
 * opened: a manifest file (…/manifest.json, …/collection.json) or a shared
 * selection made by the site's search CGI (…/vitrine-search.cgi?selection=…);
 * the pages are not open viewers for any address someone puts in a link. */
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

  window.vitrineOpenIn = {manifestParam: manifestParam, backLink: backLink};
})();
