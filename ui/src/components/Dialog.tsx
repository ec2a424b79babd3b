/**
 * A modal dialog: the native <dialog> opened with showModal (the page behind is inert, focus moves into
 * the dialog — to the control marked `data-autofocus`, else the first control of its body), Escape or
 * the Close button closes it,
 * and focus returns to whatever had it before (the button that opened it). Render it only while open:
 * `{open && <Dialog title=… onClose={() => setOpen(false)}>…</Dialog>}`.
 */
import { useEffect, useId, useRef, type ReactNode } from "react";
import "./Dialog.css";

export interface DialogProps {
  title: string;
  onClose: () => void;
  children: ReactNode;
  /** A wider dialog (editors). */
  wide?: boolean;
}

/** An accessible modal dialog titled `title`. */
export function Dialog({ title, onClose, children, wide }: DialogProps) {
  const ref = useRef<HTMLDialogElement>(null);
  const titleId = useId();
  const close = useRef(onClose);
  close.current = onClose;

  useEffect(() => {
    const dialog = ref.current;
    if (!dialog) return;
    const opener = document.activeElement instanceof HTMLElement ? document.activeElement : null;
    dialog.showModal();
    // React's autoFocus focuses before showModal, which then moves focus to the first control (Close).
    const first = dialog.querySelector<HTMLElement>("[data-autofocus]") ?? dialog.querySelector<HTMLElement>(".dialog-body :is(input, select, textarea, button):not(:disabled)");
    first?.focus();
    // Escape: the browser fires `cancel`; the parent decides (it unmounts the dialog).
    const cancel = (e: Event) => {
      e.preventDefault();
      close.current();
    };
    dialog.addEventListener("cancel", cancel);
    return () => {
      dialog.removeEventListener("cancel", cancel);
      if (dialog.open) dialog.close();
      if (opener?.isConnected) opener.focus();
    };
  }, []);

  return (
    <dialog ref={ref} className={wide ? "dialog dialog-wide" : "dialog"} aria-labelledby={titleId}>
      <header className="dialog-head">
        <h2 id={titleId}>{title}</h2>
        <button type="button" className="dialog-close" aria-label="Close" onClick={() => close.current()}>
          <span aria-hidden="true">×</span>
        </button>
      </header>
      <div className="dialog-body">{children}</div>
    </dialog>
  );
}
