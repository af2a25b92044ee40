/* curtain.js: the curtain of the compare page (window.vitrineCurtain).
 *
 * Two images lie on top of each other in one OpenSeadragon viewer; the
 * upper one (@top) is clipped (TiledImage.setClip) to the part on one side
 * of a divider, so that each side shows one image. The divider is vertical
 * (the upper image left of it) or horizontal (above it). It follows a
 * mouse pointer over the image, is dragged by a finger or pen, and, as a
 * focusable slider, moves with the arrow keys (Page Up/Down, Home, End).
 * The clip is recomputed before every frame the viewer draws
 * ("viewport-change"), so it stays on the divider while the view moves.
 * Rotation is not supported here (the clip is an image rectangle): the
 * compare page keeps the curtain's rotation at 0. */
(function () {
  'use strict';
  var V = window.vitrine;

  var OSD = window.OpenSeadragon;
  var BIG = 1e7;              /* image pixels: "everything on that side" */

  /* @o: {viewer, frame (the element around the viewer), top, dir ("v"|"h"),
   * at (0..1, the divider's place across the frame), labels [upper, lower],
   * onMove(at)}. Returns {setDir, setAt, update, stop, at()}. */
  function start(o) {
    var viewer = o.viewer, top = o.top;
    var dir = o.dir === 'h' ? 'h' : 'v';
    var at = Math.min(1, Math.max(0, typeof o.at === 'number' ? o.at : 0.5));
    var frame = o.frame;
    var divider = document.createElement('div');
    divider.className = 'curtain-divider';
    divider.tabIndex = 0;
    divider.setAttribute('role', 'slider');
    divider.setAttribute('aria-valuemin', '0');
    divider.setAttribute('aria-valuemax', '100');
    var handle = document.createElement('span');
    handle.className = 'curtain-divider__handle';
    handle.setAttribute('aria-hidden', 'true');
    divider.appendChild(handle);
    frame.appendChild(divider);
    frame.classList.add('has-curtain');

    function describe() {
      var pct = Math.round(at * 100);
      divider.setAttribute('aria-orientation', dir === 'v' ? 'horizontal' : 'vertical');
      divider.setAttribute('aria-valuenow', String(pct));
      divider.setAttribute('aria-label', V.t('cur-divider', {a: o.labels[0], b: o.labels[1]}));
      divider.setAttribute('aria-valuetext', V.t(dir === 'v' ? 'cur-value-v' : 'cur-value-h',
                                                 {pct: pct, a: o.labels[0], b: o.labels[1]}));
      divider.className = 'curtain-divider curtain-divider--' + dir;
      if (dir === 'v') {
        divider.style.left = (at * 100) + '%';
        divider.style.top = '';
      } else {
        divider.style.top = (at * 100) + '%';
        divider.style.left = '';
      }
    }

    function update() {
      if (!viewer.viewport || !viewer.container)
        return;
      var size = viewer.viewport.getContainerSize();
      var pixel = dir === 'v' ? new OSD.Point(at * size.x, 0) : new OSD.Point(0, at * size.y);
      var point = top.viewportToImageCoordinates(viewer.viewport.pointFromPixel(pixel, true));
      var clip = dir === 'v'
        ? new OSD.Rect(-BIG, -BIG, Math.max(0, point.x + BIG), 2 * BIG)
        : new OSD.Rect(-BIG, -BIG, 2 * BIG, Math.max(0, point.y + BIG));
      top.setClip(clip);
    }

    function setAt(value, fromUser) {
      at = Math.min(1, Math.max(0, value));
      describe();
      update();
      viewer.forceRedraw();
      if (fromUser && o.onMove)
        o.onMove(at);
    }

    function fromPointer(event) {
      var rect = frame.getBoundingClientRect();
      return dir === 'v' ? (event.clientX - rect.left) / rect.width : (event.clientY - rect.top) / rect.height;
    }

    var dragging = null;
    function onFrameMove(event) {
      if (dragging !== null ? event.pointerId === dragging : event.pointerType === 'mouse')
        setAt(fromPointer(event), true);
    }
    function onDown(event) {
      dragging = event.pointerId;
      divider.setPointerCapture(event.pointerId);
      event.preventDefault();
      event.stopPropagation();
    }
    function onUp(event) {
      if (event.pointerId === dragging)
        dragging = null;
    }
    function onDividerMove(event) {
      if (event.pointerId === dragging) {
        setAt(fromPointer(event), true);
        event.stopPropagation();
      }
    }
    function onKey(event) {
      var step = {ArrowLeft: -0.02, ArrowUp: -0.02, ArrowRight: 0.02, ArrowDown: 0.02,
                  PageUp: -0.1, PageDown: 0.1}[event.key];
      if (event.key === 'Home')
        setAt(0, true);
      else if (event.key === 'End')
        setAt(1, true);
      else if (step)
        setAt(at + step, true);
      else
        return;
      event.preventDefault();
      event.stopPropagation();
    }
    frame.addEventListener('pointermove', onFrameMove);
    divider.addEventListener('pointerdown', onDown);
    divider.addEventListener('pointermove', onDividerMove);
    divider.addEventListener('pointerup', onUp);
    divider.addEventListener('pointercancel', onUp);
    divider.addEventListener('keydown', onKey);
    viewer.addHandler('viewport-change', update);
    viewer.addHandler('resize', update);
    describe();
    update();
    viewer.forceRedraw();

    return {
      setDir: function (d) {
        dir = d === 'h' ? 'h' : 'v';
        setAt(at, false);
      },
      setAt: function (v) { setAt(v, false); },
      at: function () { return at; },
      dir: function () { return dir; },
      update: update,
      stop: function () {
        frame.removeEventListener('pointermove', onFrameMove);
        viewer.removeHandler('viewport-change', update);
        viewer.removeHandler('resize', update);
        divider.remove();
        frame.classList.remove('has-curtain');
      }
    };
  }

  window.vitrineCurtain = {start: start};
})();
