/**
 * The end of every dialog's form: what went wrong (an alert, in words), then the submit button — busy while
 * the request runs — and Cancel.
 */
import type { ReactNode } from "react";

export interface FormFooterProps {
  /** The message to show, if any (already in words: describeError). */
  error?: ReactNode;
  /** The submit button's label ("Synchronize", "Roll back", ...). */
  submit: ReactNode;
  /** While the request runs: the button is busy and disabled. */
  pending?: boolean;
  /** Disabled for another reason (the form is not complete). */
  disabled?: boolean;
  /** "primary" (default) or "danger". */
  tone?: "primary" | "danger";
  /** The submit button takes the focus when the dialog opens. */
  autoFocus?: boolean;
  onCancel: () => void;
}

export function FormFooter({ error, submit, pending = false, disabled = false, tone = "primary", autoFocus = false, onCancel }: FormFooterProps) {
  return (
    <>
      {error ? (
        <p role="alert" className="error">
          {error}
        </p>
      ) : null}
      <div className="form-buttons">
        <button type="submit" className={tone} {...(autoFocus ? { "data-autofocus": true } : {})} disabled={disabled || pending} aria-busy={pending}>
          {submit}
        </button>
        <button type="button" onClick={onCancel}>
          Cancel
        </button>
      </div>
    </>
  );
}
