/* share.js: shared selections (window.vitrineShare), for the favourites and
 * compare pages. A selection of asset ids becomes the URL of a IIIF
 * manifest made on request by the site's search CGI
 * (<search_url>?selection=a,b,c: one canvas per image this site's audience
 * may see; indexer/vt_selection.h), which any IIIF viewer opens, and links
 * that open it in this site's Mirador and Universal Viewer pages.
 *
 * setup(box, getIds) wires a share box (templates: favourites.html,
 * compare.html): its [data-share="manifest"] button shows the URL in its
 * read-only field with a copy button; its [data-share="mirador"] and
 * [data-share="uv"] links follow getIds() as it changes (call refresh()). */
(function () {
  'use strict';

  var V = window.vitrine;
  var ID_RE = /^[a-z0-9]{1,64}$/;
  var MAX = 100;              /* the CGI's cap (VT_SELECTION_MAX) */

  function clean(ids) {
    var seen = {};
    return (ids || []).filter(function (id) {
      if (typeof id !== 'string' || !ID_RE.test(id) || seen[id])
        return false;
      seen[id] = true;
      return true;
    }).slice(0, MAX);
  }

  /* The manifest URL of @ids, or null without ids or search service. */
  function manifestUrl(ids) {
    ids = clean(ids);
    var cgi = V && V.safeUrl(V.searchUrl);
    if (!cgi || ids.length === 0)
      return null;
    return cgi.split('?')[0] + '?selection=' + ids.join(',');
  }

  /* This site's viewer page @page ("mirador" or "uv") for @manifest, in
   * this page's language (open-in.js). */
  function viewerUrl(page, manifest) {
    if (!manifest)
      return null;
    var lang = document.documentElement.lang;
    return (V ? V.root : '') + 'static/' + page + '.html?manifest=' + encodeURIComponent(manifest) +
           (lang ? '&lang=' + encodeURIComponent(lang) : '');
  }

  function setup(box, getIds) {
    if (!box)
      return {refresh: function () {}};
    var button = box.querySelector('[data-share="manifest"]');
    var out = box.querySelector('[data-share="output"]');
    var field = box.querySelector('[data-share="url"]');
    var copy = box.querySelector('[data-share="copy"]');
    var note = box.querySelector('[data-share="note"]');
    var links = {mirador: box.querySelector('[data-share="mirador"]'),
                 uv: box.querySelector('[data-share="uv"]')};

    function refresh() {
      var ids = clean(getIds());
      var url = manifestUrl(ids);
      if (button)
        button.disabled = !url;
      Object.keys(links).forEach(function (page) {
        var link = links[page];
        if (!link)
          return;
        if (url) {
          link.href = viewerUrl(page, url);
          link.removeAttribute('aria-disabled');
        } else {
          link.removeAttribute('href');
          link.setAttribute('aria-disabled', 'true');
        }
      });
      /* A shown URL that no longer matches the selection is hidden. */
      if (out && field && field.value !== (url || ''))
        out.hidden = true;
    }

    if (button)
      button.addEventListener('click', function () {
        var ids = getIds();
        var url = manifestUrl(ids);
        if (!url || !field || !out)
          return;
        field.value = url;
        out.hidden = false;
        field.focus();
        field.select();
        if (note)
          note.textContent = clean(ids).length < ids.length
            ? V.t('share-max', {max: MAX}) : '';
      });
    if (copy)
      copy.addEventListener('click', function () {
        field.select();
        var done = function (ok) {
          if (note)
            note.textContent = ok ? V.t('copied') : V.t('copy-by-hand');
        };
        if (navigator.clipboard && navigator.clipboard.writeText)
          navigator.clipboard.writeText(field.value).then(function () { done(true); },
                                                         function () { done(false); });
        else
          done(false);
      });
    refresh();
    return {refresh: refresh};
  }

  window.vitrineShare = {manifestUrl: manifestUrl, viewerUrl: viewerUrl, setup: setup, clean: clean};
})();
