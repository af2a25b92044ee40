/* story.js: the story viewer (story.html#asset=ID&step=3), and the "Story"
 * link of an asset page, shown only when the asset has a story.
 *
 * A story is the asset's story annotations, in the order of their
 * "vitrine:order": the IIIF AnnotationPage that the asset's canvas names in
 * its "annotations" (published per audience: the public tree has public
 * annotations only), each a W3C annotation whose "vitrine:type" (on it or
 * on its bodies) is "story", with TextualBody bodies for the fields title
 * and text ("vitrine:field"), any "linking" bodies as links, and a target
 * region (FragmentSelector xywh=..., or an SvgSelector path, taken by its
 * bounding box). Every value is shown as text.
 *
 * The walkthrough flies to each region (animated, unless the visitor asks
 * for reduced motion), dims the rest of the image, and shows the step's
 * title, text and links beside the image (below it on a phone), with
 * previous/next, a progress bar, the arrow keys, Escape (pauses, then
 * leaves), and autoplay with pause. Every step has its own address. */
(function () {
  'use strict';

  var V = window.vitrine;
  var W = window.vitrineViewers;
  var AUTOPLAY_MS = 7000;
  var STEPS_MAX = 500;

  function bodies(a) {
    var b = a && a.body;
    return Array.isArray(b) ? b : b ? [b] : [];
  }

  function isStory(a) {
    return !!a && typeof a === 'object' && (a['vitrine:type'] === 'story' ||
      bodies(a).some(function (b) { return b && b['vitrine:type'] === 'story'; }));
  }

  function field(a, name) {
    var out = [];
    bodies(a).forEach(function (b) {
      if (b && b['vitrine:field'] === name && typeof b.value === 'string')
        out.push(b.value.slice(0, 8192));
    });
    return out;
  }

  function order(a) {
    var o = a['vitrine:order'];
    if (typeof o !== 'number') {
      bodies(a).forEach(function (b) {
        if (b && b['vitrine:field'] === 'order')
          o = typeof b['vitrine:number'] === 'number' ? b['vitrine:number'] : Number(b.value);
      });
    }
    return typeof o === 'number' && isFinite(o) ? o : Infinity;
  }

  /* The region {x, y, w, h} in canvas pixels, or null (the whole image). */
  function region(a) {
    var target = Array.isArray(a.target) ? a.target[0] : a.target;
    var selector = null, value = null;
    if (typeof target === 'string') {
      value = target.split('#')[1] || '';
      selector = {type: 'FragmentSelector', value: value};
    } else if (target && typeof target === 'object') {
      selector = Array.isArray(target.selector) ? target.selector[0] : target.selector;
    }
    if (!selector || typeof selector.value !== 'string')
      return null;
    if (selector.type === 'FragmentSelector') {
      var m = /xywh=(?:pixel:)?(-?[\d.]+),(-?[\d.]+),([\d.]+),([\d.]+)/.exec(selector.value);
      return m ? {x: +m[1], y: +m[2], w: +m[3], h: +m[4]} : null;
    }
    if (selector.type === 'SvgSelector') {
      var doc = new DOMParser().parseFromString(selector.value.slice(0, 262144), 'image/svg+xml');
      var xs = [], ys = [];
      doc.querySelectorAll('path, polygon, polyline').forEach(function (shape) {
        var nums = (shape.getAttribute('d') || shape.getAttribute('points') || '').match(/-?\d+(\.\d+)?/g) || [];
        for (var i = 0; i + 1 < nums.length; i += 2) {
          xs.push(+nums[i]);
          ys.push(+nums[i + 1]);
        }
      });
      doc.querySelectorAll('rect').forEach(function (r) {
        var x = +r.getAttribute('x'), y = +r.getAttribute('y');
        xs.push(x, x + +r.getAttribute('width'));
        ys.push(y, y + +r.getAttribute('height'));
      });
      if (xs.length === 0)
        return null;
      var x0 = Math.min.apply(null, xs), y0 = Math.min.apply(null, ys);
      return {x: x0, y: y0, w: Math.max.apply(null, xs) - x0, h: Math.max.apply(null, ys) - y0};
    }
    return null;
  }

  function links(a) {
    var out = [];
    bodies(a).forEach(function (b) {
      if (!b || b.purpose !== 'linking')
        return;
      var url = V.safeUrl(typeof b.value === 'string' && /^https?:/.test(b.value) ? b.value : b.id);
      if (url)
        out.push({url: url, label: typeof b['vitrine:label'] === 'string' ? b['vitrine:label'] : url});
    });
    return out;
  }

  /* A promise of the asset's story steps (an empty list when it has none,
   * or no annotations at all). */
  function loadStory(asset) {
    if (!asset.ok || !asset.annotations)
      return Promise.resolve([]);
    return fetch(asset.annotations, {credentials: 'same-origin'}).then(function (r) {
      if (!r.ok)
        throw new Error('HTTP ' + r.status);
      return r.json();
    }).then(function (page) {
      var items = page && Array.isArray(page.items) ? page.items : [];
      return items.filter(isStory).slice(0, STEPS_MAX).map(function (a, i) {
        var title = field(a, 'title')[0] || field(a, 'text')[0] || 'Step';
        return {index: i, order: order(a), title: title.slice(0, 500),
                text: field(a, 'text').join('\n\n'), links: links(a), region: region(a)};
      }).sort(function (x, y) {
        return x.order - y.order || x.index - y.index;
      });
    }).catch(function () {
      return [];
    });
  }

  /* --- the asset page: the "Story" link ------------------------------ */

  function setupLink(link) {
    var id = link.getAttribute('data-id');
    if (!W || !W.ID_RE.test(id || ''))
      return;
    W.loadAsset(id).then(loadStory).then(function (steps) {
      if (steps.length > 0) {
        link.hidden = false;
        link.setAttribute('aria-label', V.t(steps.length === 1 ? 'story-one-step' : 'story-steps',
                                            {n: steps.length}));
      }
    });
  }

  /* --- the story page ------------------------------------------------- */

  function setupPage(pageBox) {
    var status = document.getElementById('story-status');
    var layout = document.getElementById('story-layout');
    var box = document.getElementById('story-box');
    var heading = document.getElementById('story-title');
    var stepTitle = document.getElementById('story-step-title');
    var stepText = document.getElementById('story-step-text');
    var stepLinks = document.getElementById('story-step-links');
    var progressText = document.getElementById('story-progress-text');
    var progress = document.getElementById('story-progress');
    var prev = document.getElementById('story-prev');
    var next = document.getElementById('story-next');
    var play = document.getElementById('story-play');
    var back = document.getElementById('story-back');
    var OSD = window.OpenSeadragon;
    var reduced = window.matchMedia && window.matchMedia('(prefers-reduced-motion: reduce)').matches;

    var params = new URLSearchParams(location.hash.replace(/^#/, ''));
    var id = params.get('asset') || '';
    var steps = [], current = -1, viewer = null, highlight = null, asset = null;
    var timer = 0, playing = false;

    function say(text) {
      status.textContent = text;
    }

    if (!W || !W.ID_RE.test(id)) {
      say(V.t('story-no-image'));
      return;
    }
    if (typeof OSD !== 'function') {
      say(V.t('story-no-viewer'));
      return;
    }

    function rectOf(step) {
      var r = step.region;
      if (!r || !(asset.width > 0))
        return new OSD.Rect(0, 0, 1, asset.height / asset.width);
      return new OSD.Rect(r.x / asset.width, r.y / asset.width, r.w / asset.width, r.h / asset.width);
    }

    function stopPlay() {
      playing = false;
      clearTimeout(timer);
      play.setAttribute('aria-pressed', 'false');
      play.textContent = 'Autoplay';
    }

    function schedule() {
      clearTimeout(timer);
      if (playing)
        timer = setTimeout(function () {
          if (current < steps.length - 1)
            show(current + 1, false);
          else
            stopPlay();
        }, AUTOPLAY_MS);
    }

    function show(index, focusBox) {
      index = Math.max(0, Math.min(steps.length - 1, index));
      var step = steps[index];
      current = index;
      var rect = rectOf(step);
      /* Some room around the region, so that it reads in its context. */
      var pad = Math.max(rect.width, rect.height) * 0.15;
      viewer.viewport.fitBounds(new OSD.Rect(rect.x - pad, rect.y - pad, rect.width + 2 * pad,
                                             rect.height + 2 * pad), reduced);
      if (highlight)
        viewer.updateOverlay(highlight, rect);
      else {
        highlight = V.el('div', {className: 'story-highlight', 'aria-hidden': 'true'});
        viewer.addOverlay({element: highlight, location: rect});
      }
      stepTitle.textContent = step.title;
      stepText.textContent = step.text;
      stepLinks.replaceChildren();
      step.links.forEach(function (l) {
        stepLinks.appendChild(V.el('li', {}, [V.el('a', {href: l.url, rel: 'noopener noreferrer', text: l.label})]));
      });
      stepLinks.hidden = step.links.length === 0;
      progressText.textContent = V.t('story-step', {n: index + 1, total: steps.length});
      progress.max = steps.length;
      progress.value = index + 1;
      prev.disabled = index === 0;
      next.disabled = index === steps.length - 1;
      var hash = '#asset=' + id + '&step=' + (index + 1);
      if (location.hash !== hash)
        history.replaceState(null, '', hash);
      pageBox.setAttribute('data-step', String(index + 1));
      if (focusBox)
        box.focus();
      schedule();
    }

    function go(by) {
      stopPlay();
      if (current + by >= 0 && current + by < steps.length)
        show(current + by, false);
    }

    prev.addEventListener('click', function () { go(-1); });
    next.addEventListener('click', function () { go(1); });
    play.addEventListener('click', function () {
      if (playing) {
        stopPlay();
        return;
      }
      playing = true;
      play.setAttribute('aria-pressed', 'true');
      play.textContent = 'Pause';
      if (current >= steps.length - 1)
        show(0, false);
      else
        schedule();
    });
    document.addEventListener('keydown', function (event) {
      if (steps.length === 0 || event.altKey || event.ctrlKey || event.metaKey)
        return;
      var t = event.target;
      if (t && (t.isContentEditable || /^(INPUT|SELECT|TEXTAREA)$/.test(t.tagName)))
        return;
      /* In the image, the arrow keys pan (OpenSeadragon's). */
      if (viewer && t === viewer.canvas && event.key !== 'Escape')
        return;
      if (event.key === 'ArrowRight' || event.key === 'ArrowDown' || event.key === 'PageDown')
        go(1);
      else if (event.key === 'ArrowLeft' || event.key === 'ArrowUp' || event.key === 'PageUp')
        go(-1);
      else if (event.key === 'Home')
        (stopPlay(), show(0, false));
      else if (event.key === 'End')
        (stopPlay(), show(steps.length - 1, false));
      else if (event.key === 'Escape') {
        if (playing)
          stopPlay();
        else
          location.href = back.href;
      } else
        return;
      event.preventDefault();
    });
    window.addEventListener('hashchange', function () {
      var p = new URLSearchParams(location.hash.replace(/^#/, ''));
      var step = parseInt(p.get('step') || '1', 10);
      if (p.get('asset') === id && step >= 1 && step - 1 !== current && steps.length)
        show(step - 1, false);
    });

    W.loadAsset(id).then(function (a) {
      asset = a;
      if (!a.ok) {
        say(V.t('story-unknown', {id: id}));
        return null;
      }
      back.href = a.page;
      heading.textContent = V.t('story-title', {label: a.label});
      if (a.lang)
        heading.setAttribute('lang', a.lang);
      document.title = V.t('story-title', {label: a.label}) + ' | ' +
                       document.title.split(' | ').slice(1).join(' | ');
      return loadStory(a);
    }).then(function (list) {
      if (!list)
        return;
      if (list.length === 0) {
        say(V.t('story-none'));
        back.hidden = false;
        pageBox.appendChild(V.el('p', {}, [V.el('a', {href: asset.page, text: V.t('story-back')})]));
        return;
      }
      steps = list;
      layout.hidden = false;
      viewer = OSD(W.options(document.getElementById('story-viewer'), {tileSources: asset.info}));
      window.vitrineStoryViewer = viewer;   /* for the browser tests */
      viewer.addHandler('open', function () {
        W.label(viewer, asset.label);
        var step = parseInt(params.get('step') || '1', 10);
        show(isFinite(step) && step >= 1 ? step - 1 : 0, false);
        say('');
        pageBox.setAttribute('data-ready', 'true');
      });
      viewer.addHandler('open-failed', function () {
        say(V.t('story-image-failed'));
      });
    });
  }

  var pageBox = document.querySelector('.page.story');
  if (pageBox)
    setupPage(pageBox);
  document.querySelectorAll('.story-link[data-id]').forEach(setupLink);
  window.vitrineStory = {isStory: isStory, region: region};
})();
