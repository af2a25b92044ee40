/* layers.js: the layers of the compare page (window.vitrineLayers). All
 * images lie in one viewer, aligned, the first at the bottom; each has an
 * opacity slider (0 to 100%) and a visibility switch, labelled with its
 * image's name. A hidden image is drawn at opacity 0 and keeps its slider's
 * value for when it is shown again. */
(function () {
  'use strict';

  var V = window.vitrine;

  /* The controls of one layer: @tiledImage (OpenSeadragon), @layer
   * {opacity 0..1, visible} (kept by the caller, changed here). */
  function control(label, tiledImage, layer) {
    var range = V.el('input', {type: 'range', min: '0', max: '100', step: '1',
                               value: String(Math.round(layer.opacity * 100)),
                               'aria-label': V.t('lay-opacity', {label: label})});
    var shown = V.el('input', {type: 'checkbox', 'aria-label': V.t('lay-show', {label: label})});
    shown.checked = layer.visible;
    var value = V.el('output', {text: Math.round(layer.opacity * 100) + '%'});

    function apply() {
      tiledImage.setOpacity(layer.visible ? layer.opacity : 0);
      value.textContent = Math.round(layer.opacity * 100) + '%';
      range.disabled = !layer.visible;
    }
    range.addEventListener('input', function () {
      layer.opacity = Math.min(1, Math.max(0, Number(range.value) / 100));
      apply();
    });
    shown.addEventListener('change', function () {
      layer.visible = shown.checked;
      apply();
    });
    apply();
    return V.el('div', {className: 'layer-controls', role: 'group', 'aria-label': 'Layer ' + label}, [
      V.el('label', {className: 'layer-controls__shown'}, [shown, ' Show']),
      V.el('label', {className: 'layer-controls__opacity'}, [V.el('span', {'aria-hidden': 'true', text: 'Opacity '}), range]),
      value
    ]);
  }

  window.vitrineLayers = {control: control};
})();
