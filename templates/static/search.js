/* search.js: the search page. Reads ?q=, f= (repeatable, "field:value")
 * and page= from the address, asks the search CGI (body data-search-url)
 * and shows the hits, the facets with their counts, the pages, "did you
 * mean" and the annotations that match under each hit.
 *
 * The request names the page's language (hl=), for snippets and facet
 * labels in it. The answer (indexer/vt_request.c, vt_index.h): {total,
 * page, size, hits: [{id, label, labels, snippet, snippet_lang,
 * annotations: [{id, region, snippet}], thumbnail, manifest, page}],
 * facets: {field: [{value, label, lang, labels, count}]}, suggestion}; an
 * error is {error, status} with an HTTP status >= 400.
 * Every string of it is put in the page as text; the snippets, HTML with
 * <mark> highlights, go through vitrine.sanitizeSnippet(). */
(function () {
  'use strict';

  var V = window.vitrine;
  var el = V.el;
  var PAGE_SIZE = 20;
  var RESULT_MAX = 10000;      /* VT_INDEX_RESULT_MAX: no page past it */
  var FACET_SHOWN = 8;         /* values shown before "Show all" */
  var TIMEOUT_MS = 15000;
  var FILTER_RE = /^[a-z][a-z0-9_]{0,31}:[^]+$/;
  var FACET_NAMES = ['department', 'type', 'year', 'keywords', 'creator', 'material'];
  var t = V.t;
  var locale = document.documentElement.lang || 'en';
  /* The page's language as the CGI's hl= takes it (nl, pt-BR), or none. */
  var pageLang = /^[a-z]{2,3}(-[A-Z0-9]{2,3})?$/.test(document.documentElement.lang)
               ? document.documentElement.lang : '';

  /* Do language tags @a and @b name one language (nl, nl-BE)? */
  function sameLanguage(a, b) {
    return typeof a === 'string' && typeof b === 'string' && a !== '' &&
           a.split('-')[0].toLowerCase() === b.split('-')[0].toLowerCase();
  }

  /* A mark for a text in another language than the page's: its tag, as
   * the asset page shows one (field__lang). */
  function langMark(block, lang) {
    return el('span', {className: block + '__lang', text: lang});
  }

  var status = document.getElementById('search-status');
  var hitsList = document.getElementById('search-hits');
  var filtersBox = document.getElementById('search-filters');
  var suggestionBox = document.getElementById('search-suggestion');
  var pagerNav = document.getElementById('search-pager');
  var facetsBox = document.getElementById('search-facets');
  var facetGroups = document.getElementById('facet-groups');
  if (!status || !hitsList)
    return;

  var params = new URLSearchParams(location.search);
  var state = {
    q: (params.get('q') || '').trim().slice(0, 1000),
    filters: params.getAll('f').filter(function (f) { return FILTER_RE.test(f); }).slice(0, 20),
    page: Math.max(1, parseInt(params.get('page') || '1', 10) || 1),
    /* relevance (the default), -year (newest first), year (oldest first),
     * title (A to Z): what the search CGI's sort= takes. */
    sort: ['-year', 'year', 'title'].indexOf(params.get('sort')) >= 0 ? params.get('sort') : ''
  };
  var departments = V.departmentLabels();

  var input = document.getElementById('site-search');
  if (input)
    input.value = state.q;

  function fieldName(field) {
    return FACET_NAMES.indexOf(field) >= 0 ? t('facet-' + field)
         : field.charAt(0).toUpperCase() + field.slice(1).replace(/_/g, ' ');
  }

  /* Facet values as people wrote them ("Rubens"), from the answer's
   * labels; the value itself (normalised, "rubens") is what a filter names. */
  var labels = {};

  /* What a facet entry shows: a synonym group's label in the page's
   * language (v.labels) when it has one, else v.label, with its language
   * when the answer knows it. */
  function entryLabel(v) {
    var own = v.labels && typeof v.labels === 'object' && pageLang &&
              Object.prototype.hasOwnProperty.call(v.labels, pageLang) ? v.labels[pageLang] : null;
    if (typeof own === 'string' && own !== '')
      return {text: own, lang: pageLang};
    return {text: typeof v.label === 'string' ? v.label : '',
            lang: typeof v.lang === 'string' && /^[A-Za-z0-9-]{1,16}$/.test(v.lang) ? v.lang : ''};
  }

  /* Is an entry's label in another language than the page's? */
  function otherLanguage(label) {
    return label.lang !== '' && pageLang !== '' && !sameLanguage(label.lang, pageLang);
  }

  function valueName(field, value) {
    if (field === 'department' && departments[value])
      return departments[value];
    var label = labels[field + ':' + value];
    return typeof label === 'string' && label !== '' ? label : value;
  }

  function filterName(filter) {
    var colon = filter.indexOf(':');
    var field = filter.slice(0, colon);
    return fieldName(field) + ': ' + valueName(field, filter.slice(colon + 1));
  }

  /* A link to this page with @changes applied; a new filter set starts at
   * page 1. */
  function pageHref(changes) {
    var next = {q: state.q, filters: state.filters, page: 1, sort: state.sort};
    Object.keys(changes).forEach(function (k) { next[k] = changes[k]; });
    var p = new URLSearchParams();
    if (next.q)
      p.set('q', next.q);
    next.filters.forEach(function (f) { p.append('f', f); });
    if (next.sort)
      p.set('sort', next.sort);
    if (next.page > 1)
      p.set('page', String(next.page));
    var text = p.toString();
    return location.pathname + (text ? '?' + text : '');
  }

  function withFilter(filter) {
    return pageHref({filters: state.filters.concat([filter])});
  }

  function withoutFilter(filter) {
    return pageHref({filters: state.filters.filter(function (f) { return f !== filter; })});
  }

  function setStatus(text, kind) {
    status.textContent = text;
    status.className = 'search-status' + (kind ? ' search-status--' + kind : '');
  }

  function showError(message) {
    setStatus(message, 'error');
    hitsList.replaceChildren();
    document.body.classList.remove('is-searching');
  }

  /* --- rendering ------------------------------------------------------ */

  function renderFilters() {
    filtersBox.replaceChildren();
    if (state.filters.length === 0) {
      filtersBox.hidden = true;
      return;
    }
    var list = el('ul', {className: 'chips', 'aria-label': t('filters')});
    state.filters.forEach(function (f) {
      list.appendChild(el('li', null, [
        el('a', {className: 'chip', href: withoutFilter(f),
                 'aria-label': t('remove-filter', {name: filterName(f)})},
           [filterName(f), el('span', {className: 'chip__x', 'aria-hidden': 'true', text: '×'})])
      ]));
    });
    filtersBox.appendChild(list);
    if (state.filters.length > 1)
      filtersBox.appendChild(el('a', {className: 'clear-filters', href: pageHref({filters: []}),
                                      text: t('remove-all')}));
    filtersBox.hidden = false;
  }

  function renderSuggestion(suggestion) {
    suggestionBox.replaceChildren();
    if (typeof suggestion !== 'string' || suggestion === '' || suggestion === state.q) {
      suggestionBox.hidden = true;
      return;
    }
    /* The link goes where the translation puts {suggestion}. */
    var parts = t('did-you-mean').split('{suggestion}');
    suggestionBox.append(parts[0], el('a', {href: pageHref({q: suggestion}), text: suggestion}),
                         parts.slice(1).join(''));
    suggestionBox.hidden = false;
  }

  function renderHit(hit) {
    /* The title in the page's language when the image has one (hit.labels),
     * else the site's label, else the id. */
    var lang = document.documentElement.lang;
    var own = hit.labels && typeof hit.labels === 'object' &&
              Object.prototype.hasOwnProperty.call(hit.labels, lang) ? hit.labels[lang] : null;
    var label = typeof own === 'string' && own !== '' ? own
              : typeof hit.label === 'string' && hit.label !== '' ? hit.label : String(hit.id || '');
    /* With a folder per language the service's page is the default
     * language's: a hit leads to the page in this page's language. */
    var page = V.safeUrl(V.pages !== V.root && /^[a-z0-9]{1,64}$/.test(hit.id || '')
                         ? V.pages + 'assets/' + hit.id + '.html' : hit.page);
    var thumbnail = V.safeUrl(hit.thumbnail);
    var figure = el(page ? 'a' : 'span', {className: 'hit__thumb', href: page, tabindex: page ? '-1' : null,
                                          'aria-hidden': page ? 'true' : null}, [
      thumbnail ? el('img', {src: thumbnail, alt: label, loading: 'lazy', decoding: 'async'})
                : el('span', {className: 'card__noimage', text: t('no-preview')})
    ]);
    var title = el('h3', {className: 'hit__title', dir: 'auto'}, [
      page ? el('a', {href: page, text: label}) : label
    ]);
    var text = el('div', {className: 'hit__text'}, [title]);
    /* Where the image belongs: its department and intervention. */
    var where = [];
    if (typeof hit.department === 'string' && hit.department !== '')
      where.push(departments[hit.department] || hit.department);
    if (typeof hit.intervention === 'string' && hit.intervention !== '')
      where.push(t('intervention', {number: hit.intervention}));
    if (where.length > 0)
      text.appendChild(el('p', {className: 'hit__where', text: where.join(' · ')}));
    if (typeof hit.snippet === 'string' && hit.snippet !== '') {
      /* A snippet from another language's texts (the match was only
       * there) says which. */
      var snippetLang = typeof hit.snippet_lang === 'string' && /^[A-Za-z0-9-]{1,16}$/.test(hit.snippet_lang)
                      ? hit.snippet_lang : null;
      var snippet = el('p', {className: 'hit__snippet', lang: snippetLang});
      if (snippetLang)
        snippet.append(langMark('hit', snippetLang), ' ');
      snippet.appendChild(V.sanitizeSnippet(hit.snippet));
      text.appendChild(snippet);
    }
    var annotations = Array.isArray(hit.annotations) ? hit.annotations.slice(0, 5) : [];
    if (annotations.length > 0) {
      var list = el('ul', {className: 'hit__annotations', 'aria-label': t('matching-annotations')});
      annotations.forEach(function (a) {
        if (!a || typeof a.snippet !== 'string')
          return;
        var item = el('li', null, [el('span', {className: 'hit__annotation-kind', text: t('annotation') + ' '})]);
        item.appendChild(V.sanitizeSnippet(a.snippet));
        /* The page opens zoomed on the annotation's region (annotations.js). */
        if (page && typeof a.id === 'string' && /^[A-Za-z0-9_-]{1,64}$/.test(a.id))
          item.append(' ', el('a', {className: 'hit__annotation-link', href: page + '#annotation=' + a.id,
                                    text: t('show-on-image')}));
        list.appendChild(item);
      });
      text.appendChild(list);
    }
    var manifest = V.safeUrl(hit.manifest);
    if (manifest)
      text.appendChild(el('p', {className: 'hit__links'}, [el('a', {href: manifest, text: t('manifest')})]));
    return el('li', {className: 'hit'}, [figure, text]);
  }

  function renderFacets(facets) {
    facetGroups.replaceChildren();
    var shown = 0;
    Object.keys(facets && typeof facets === 'object' ? facets : {}).forEach(function (field) {
      var values = Array.isArray(facets[field]) ? facets[field] : [];
      /* A value chosen but no longer counted still needs its way back. */
      var active = state.filters.filter(function (f) { return f.indexOf(field + ':') === 0; });
      if (values.length === 0 && active.length === 0)
        return;
      var headingId = 'facet-' + field;
      var list = el('ul', {className: 'facet__values'});
      var seen = {};
      /* Values in the page's language (or in none) first, each group in
       * the answer's order (most frequent first); the others after them,
       * marked with their language. */
      values = values.filter(function (v) {
        return v && (typeof v.value === 'string' || typeof v.value === 'number');
      });
      values = values.filter(function (v) { return !otherLanguage(entryLabel(v)); })
        .concat(values.filter(function (v) { return otherLanguage(entryLabel(v)); }));
      values.forEach(function (v, i) {
        var value = String(v.value);
        var filter = field + ':' + value;
        var shown = entryLabel(v);
        if (shown.text !== '')
          labels[filter] = shown.text;
        seen[filter] = true;
        var on = state.filters.indexOf(filter) >= 0;
        var other = otherLanguage(shown);
        var link = el('a', {href: on ? withoutFilter(filter) : withFilter(filter),
                            className: 'facet__link' + (on ? ' is-active' : ''),
                            'aria-current': on ? 'true' : null}, [
          /* The value alone in facet__value; another language's tag after it. */
          other ? el('span', {className: 'facet__label'}, [
                    el('span', {className: 'facet__value', lang: shown.lang, text: valueName(field, value)}),
                    ' ', langMark('facet', shown.lang)])
                : el('span', {className: 'facet__value', text: valueName(field, value)}),
          el('span', {className: 'facet__count', text: String(Number(v.count) || 0)}),
          on ? el('span', {className: 'visually-hidden', text: ' ' + t('selected')}) : null
        ]);
        var item = el('li', {className: i >= FACET_SHOWN && !on ? 'is-extra' : null}, [link]);
        list.appendChild(item);
      });
      active.forEach(function (filter) {
        if (seen[filter])
          return;
        list.appendChild(el('li', null, [
          el('a', {href: withoutFilter(filter), className: 'facet__link is-active', 'aria-current': 'true'}, [
            el('span', {className: 'facet__value', text: valueName(field, filter.slice(field.length + 1))}),
            el('span', {className: 'facet__count', text: '0'}),
            el('span', {className: 'visually-hidden', text: ' ' + t('selected')})
          ])
        ]));
      });
      var group = el('section', {className: 'facet', 'aria-labelledby': headingId}, [
        el('h3', {id: headingId, text: fieldName(field)}), list
      ]);
      var extra = list.querySelectorAll('.is-extra').length;
      if (extra > 0) {
        list.classList.add('is-collapsed');
        var more = el('button', {type: 'button', className: 'facet__more', 'aria-expanded': 'false',
                                 text: t('show-all', {n: list.children.length})});
        more.addEventListener('click', function () {
          var open = list.classList.toggle('is-collapsed') === false;
          more.setAttribute('aria-expanded', open ? 'true' : 'false');
          more.textContent = open ? t('show-fewer') : t('show-all', {n: list.children.length});
        });
        group.appendChild(more);
      }
      facetGroups.appendChild(group);
      shown++;
    });
    facetsBox.hidden = shown === 0;
    if (shown > 0 && window.matchMedia('(min-width: 56em)').matches)
      facetsBox.open = true;
  }

  function renderPager(total, page, size) {
    pagerNav.replaceChildren();
    var pages = Math.min(Math.ceil(total / size), Math.floor(RESULT_MAX / size));
    if (pages <= 1) {
      pagerNav.hidden = true;
      return;
    }
    var list = el('ul');
    function add(n, text, rel) {
      if (n === page && !rel) {
        list.appendChild(el('li', {'aria-current': 'page'}, [el('span', {text: text})]));
        return;
      }
      list.appendChild(el('li', null, [el('a', {href: pageHref({filters: state.filters, page: n}),
                                                 rel: rel || null,
                                                 'aria-label': rel ? null : t('page', {n: n}),
                                                 text: text})]));
    }
    if (page > 1)
      add(page - 1, t('previous'), 'prev');
    var from = Math.max(1, page - 2), to = Math.min(pages, page + 2);
    if (from > 1) {
      add(1, '1');
      if (from > 2)
        list.appendChild(el('li', {className: 'gap', 'aria-hidden': 'true', text: '…'}));
    }
    for (var n = from; n <= to; n++)
      add(n, String(n));
    if (to < pages) {
      if (to < pages - 1)
        list.appendChild(el('li', {className: 'gap', 'aria-hidden': 'true', text: '…'}));
      add(pages, String(pages));
    }
    if (page < pages)
      add(page + 1, t('next'), 'next');
    pagerNav.appendChild(list);
    pagerNav.hidden = false;
  }

  function render(answer) {
    var total = Number(answer.total) || 0;
    var size = Number(answer.size) || PAGE_SIZE;
    var page = Number(answer.page) || state.page;
    var hits = Array.isArray(answer.hits) ? answer.hits : [];
    var n = total.toLocaleString(locale);
    var text;
    if (total === 0)
      text = state.q ? t('none-q', {q: state.q}) : t('none');
    else
      text = (state.q ? t(total === 1 ? 'one-q' : 'many-q', {n: n, q: state.q})
                      : t(total === 1 ? 'one' : 'many', {n: n})) +
             (total > size ? t('page-of', {page: page, pages: Math.ceil(Math.min(total, RESULT_MAX) / size)})
                           : '') + '.';
    setStatus(text);
    document.title = (state.q ? t('title-q', {q: state.q}) : t('title')) + ' | ' +
                     document.title.split(' | ').slice(1).join(' | ');
    renderSuggestion(answer.suggestion);
    hitsList.replaceChildren();
    hits.forEach(function (hit) {
      if (hit && typeof hit === 'object')
        hitsList.appendChild(renderHit(hit));
    });
    renderFacets(answer.facets);
    renderFilters();  /* again, now with the values' labels */
    renderPager(total, page, size);
    document.body.classList.remove('is-searching');
  }

  /* --- the request ---------------------------------------------------- */

  function search() {
    var base = V.safeUrl(V.searchUrl);
    renderFilters();
    if (!base) {
      showError(t('not-set-up'));
      return;
    }
    var url = new URL(base);
    if (state.q)
      url.searchParams.set('q', state.q);
    state.filters.forEach(function (f) { url.searchParams.append('f', f); });
    url.searchParams.set('page', String(state.page));
    url.searchParams.set('size', String(PAGE_SIZE));
    if (state.sort)
      url.searchParams.set('sort', state.sort);
    if (pageLang)
      url.searchParams.set('hl', pageLang);

    document.body.classList.add('is-searching');
    setStatus(state.q ? t('searching-q', {q: state.q}) : t('loading'));
    var controller = typeof AbortController === 'function' ? new AbortController() : null;
    var timer = controller ? setTimeout(function () { controller.abort(); }, TIMEOUT_MS) : 0;
    fetch(url.href, {headers: {Accept: 'application/json'}, signal: controller ? controller.signal : undefined})
      .then(function (response) {
        return response.text().then(function (body) {
          var answer = null;
          try {
            answer = JSON.parse(body);
          } catch (e) {
            answer = null;
          }
          return {response: response, answer: answer};
        });
      })
      .then(function (r) {
        clearTimeout(timer);
        var answer = r.answer;
        if (!r.response.ok || !answer || typeof answer !== 'object' || typeof answer.error === 'string') {
          var detail = answer && typeof answer.error === 'string' ? answer.error.slice(0, 300) : 'HTTP ' + r.response.status;
          if (r.response.status === 400 && answer && typeof answer.error === 'string')
            showError(detail);   /* the service's own words: what to type instead */
          else if (r.response.status === 503)
            showError(t('unavailable', {detail: detail}));
          else
            showError(t('failed', {detail: detail}));
          return;
        }
        render(answer);
      })
      .catch(function () {
        clearTimeout(timer);
        showError(t('unreachable'));
      });
  }

  /* The sort control: a new order starts at page 1, as a new filter does. */
  var sortForm = document.getElementById('search-sort');
  var sortSelect = document.getElementById('search-sort-by');
  if (sortForm && sortSelect) {
    sortSelect.value = state.sort || 'relevance';
    sortSelect.addEventListener('change', function () {
      var value = sortSelect.value === 'relevance' ? '' : sortSelect.value;
      location.href = pageHref({sort: value});
    });
    sortForm.addEventListener('submit', function (event) { event.preventDefault(); });
    sortForm.hidden = false;
  }

  search();
})();
