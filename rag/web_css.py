"""The web chat's stylesheet (a Python constant so it ships inside the package)."""

CSS = """
#header { align-items: center; gap: 1rem; }
.app-title { margin: 0; font-size: 1.4rem; }
.status { font-size: 0.85rem; color: var(--body-text-color-subdued); text-align: right; }
.status-notice { color: #9a6700; }

#transcript { max-height: 68vh; overflow-y: auto !important; }  /* Gradio sets overflow: visible */
.transcript { display: flex; flex-direction: column; gap: 0.9rem; padding: 0.25rem; }
.transcript .empty { color: var(--body-text-color-subdued); padding: 2rem 0.5rem; text-align: center; }
.msg.user { display: flex; justify-content: flex-end; }
.msg.user .bubble { background: var(--color-accent-soft); border-radius: 12px; padding: 0.5rem 0.8rem;
  max-width: 85%; white-space: pre-wrap; overflow-wrap: anywhere; }
.msg.bot { border: 1px solid var(--border-color-primary); border-radius: 12px; padding: 0.7rem 0.9rem; }
.answer { white-space: pre-wrap; overflow-wrap: anywhere; line-height: 1.55; }
.answer.abstained { color: var(--body-text-color-subdued); }
.answer-meta, .notice { font-size: 0.78rem; color: var(--body-text-color-subdued); margin-top: 0.35rem; }
.notice { color: #9a6700; }
a.cite { font-weight: 600; text-decoration: none; color: var(--color-accent); padding: 0 1px; cursor: pointer; }
a.cite:hover { text-decoration: underline; }

.cards { margin-top: 0.7rem; display: flex; flex-direction: column; gap: 0.45rem; }
.cards-label { font-size: 0.75rem; text-transform: uppercase; letter-spacing: 0.05em;
  color: var(--body-text-color-subdued); }
.card { border: 1px solid var(--border-color-primary); border-left: 3px solid var(--color-accent);
  border-radius: 8px; padding: 0.45rem 0.65rem; cursor: pointer; font-size: 0.85rem; }
.card:hover, .card:focus { background: var(--background-fill-secondary); outline: none; }
.card.flash { animation: flash 1.2s ease-out; }
@keyframes flash { from { background: var(--color-accent-soft); } to { background: transparent; } }
.card-unsupported { border-left-color: #cf222e; }
.card-n { font-weight: 700; color: var(--color-accent); }
.card-title { font-weight: 600; }
.card-file { font-size: 0.75rem; color: var(--body-text-color-subdued); font-family: var(--font-mono); }
.card-passage { margin-top: 0.3rem; white-space: pre-wrap; overflow-wrap: anywhere;
  color: var(--body-text-color-subdued); }
mark.quote, mark.viewer-quote { background: #fff3a3; color: #1f2328; padding: 0 1px; border-radius: 2px; }
.unsupported { color: #cf222e; font-size: 0.78rem; margin-left: 0.4rem; font-weight: 600; }
.error { color: #cf222e; }

.working { display: flex; align-items: center; gap: 0.5rem; color: var(--body-text-color-subdued);
  font-size: 0.85rem; margin-top: 0.3rem; }
.spinner { width: 14px; height: 14px; border: 2px solid var(--border-color-primary);
  border-top-color: var(--color-accent); border-radius: 50%; animation: spin 0.8s linear infinite; }
@keyframes spin { to { transform: rotate(360deg); } }

.viewer { font-size: 0.88rem; }
.viewer-empty { color: var(--body-text-color-subdued); padding: 2rem 1rem; text-align: center;
  border: 1px dashed var(--border-color-primary); border-radius: 12px; }
.viewer-head { padding: 0.4rem 0 0.5rem; border-bottom: 1px solid var(--border-color-primary); }
.viewer-title { font-weight: 600; }
.viewer-file { font-size: 0.75rem; color: var(--body-text-color-subdued); font-family: var(--font-mono); }
.viewer-text { white-space: pre-wrap; overflow-wrap: anywhere; line-height: 1.55; padding: 0.5rem 0.3rem 0 0;
  position: relative; max-height: 70vh; overflow-y: auto; }

#examples { gap: 0.4rem; flex-wrap: wrap; }
#examples button { flex: 0 1 auto; min-width: 0; font-weight: 400; }

table.docs { width: 100%; border-collapse: collapse; font-size: 0.88rem; }
#documents table.docs th, #documents table.docs td { text-align: left; padding: 0.35rem 0.5rem; border: 0;
  border-bottom: 1px solid var(--border-color-primary); overflow-wrap: anywhere; }
#documents table.docs td.num { text-align: right; }
.message { padding: 0.4rem 0.6rem; border-radius: 6px; font-size: 0.88rem; }
.message-ok { background: #dafbe1; color: #1a7f37; }
.message-error { background: #ffebe9; color: #cf222e; }
.message-info { background: var(--background-fill-secondary); }
"""
