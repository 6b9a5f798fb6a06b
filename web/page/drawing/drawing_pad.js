// The drawing pad: pointer events (mouse, touch, pen) draw round strokes on a
// transparent canvas; onChange(ink) gets the ink (alpha channel, 0..1) after
// each stroke segment, at most once per animation frame.
import { alphaToInk } from '../../shared/preprocess.js';

export class DrawingPad {
  /**
   * @param {HTMLCanvasElement} canvas
   * @param {{ onChange: (ink: Float32Array | null) => void, lineWidth?: number }} options
   */
  constructor(canvas, { onChange, lineWidth = 22 }) {
    this.canvas = canvas;
    this.ctx = canvas.getContext('2d', { willReadFrequently: true });
    this.onChange = onChange;
    this.lineWidth = lineWidth;
    this.last = null;
    this.pointerId = null;
    this.pending = false;
    this.empty = true;

    canvas.addEventListener('pointerdown', (e) => this.down(e));
    canvas.addEventListener('pointermove', (e) => this.move(e));
    canvas.addEventListener('pointerup', (e) => this.up(e));
    canvas.addEventListener('pointercancel', (e) => this.up(e));
    canvas.addEventListener('lostpointercapture', (e) => this.up(e));
  }

  point(e) {
    const r = this.canvas.getBoundingClientRect();
    return {
      x: ((e.clientX - r.left) / r.width) * this.canvas.width,
      y: ((e.clientY - r.top) / r.height) * this.canvas.height,
    };
  }

  down(e) {
    if (this.pointerId !== null || (e.pointerType === 'mouse' && e.button !== 0)) return;
    e.preventDefault();
    this.pointerId = e.pointerId;
    this.canvas.setPointerCapture?.(e.pointerId);
    this.last = this.point(e);
    this.stroke([this.last]);
  }

  move(e) {
    if (e.pointerId !== this.pointerId) return;
    e.preventDefault();
    // Coalesced events give the full-rate path of fast strokes.
    const events = e.getCoalescedEvents?.() ?? [];
    const points = (events.length ? events : [e]).map((ev) => this.point(ev));
    this.stroke(points);
  }

  up(e) {
    if (e.pointerId !== this.pointerId) return;
    this.pointerId = null;
    this.last = null;
  }

  stroke(points) {
    const ctx = this.ctx;
    ctx.strokeStyle = '#fff';
    ctx.fillStyle = '#fff';
    ctx.lineCap = 'round';
    ctx.lineJoin = 'round';
    ctx.lineWidth = this.lineWidth;
    ctx.beginPath();
    let prev = this.last ?? points[0];
    ctx.moveTo(prev.x, prev.y);
    for (const p of points) {
      ctx.lineTo(p.x, p.y);
      prev = p;
    }
    if (points.length === 1 && this.last === points[0]) {
      // A tap: a dot.
      ctx.arc(prev.x, prev.y, this.lineWidth / 2, 0, 2 * Math.PI);
      ctx.fill();
    } else {
      ctx.stroke();
    }
    this.last = prev;
    this.empty = false;
    this.changed();
  }

  changed() {
    if (this.pending) return;
    this.pending = true;
    requestAnimationFrame(() => {
      this.pending = false;
      this.onChange?.(this.empty ? null : this.ink());
    });
  }

  ink() {
    const { width, height } = this.canvas;
    return alphaToInk(this.ctx.getImageData(0, 0, width, height).data, width, height);
  }

  clear() {
    this.ctx.clearRect(0, 0, this.canvas.width, this.canvas.height);
    this.empty = true;
    this.changed();
  }
}
