import { useRef, useState } from 'preact/hooks';
import type { IssuedKey, KeyLabels, KeyRecord, NewKey } from './api';
import { errorText } from './api';
import { Dialog } from './dialog';
import { KNOWN_SCOPES, displayPrefix, metaText, parseMetaText } from './format';
import { ErrorLine, Select } from './ui';

/** Runs a dialog's action once at a time and keeps its error in words. */
function useAction() {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const run = async (action: () => Promise<void>) => {
    if (busy) return;
    setBusy(true);
    setError(null);
    try {
      await action();
    } catch (e) {
      setError(errorText(e));
      setBusy(false);
      return;
    }
    setBusy(false);
  };
  return { busy, error, setError, run };
}

/** A form's error line, then Cancel and its submit button. */
function FormEnd(props: {
  action: { busy: boolean; error: string | null };
  onCancel: () => void;
  label: string;
  busyLabel: string;
}) {
  return (
    <>
      <ErrorLine error={props.action.error} />
      <div class="buttons">
        <button type="button" class="secondary" onClick={props.onCancel}>
          Cancel
        </button>
        <button type="submit" disabled={props.action.busy}>
          {props.action.busy ? props.busyLabel : props.label}
        </button>
      </div>
    </>
  );
}

/**
 * The known scopes the signed-in key may grant, as checkboxes, then any other scope the key being
 * edited already has: shown and removable, but not addable again (the API would refuse it).
 */
function ScopeChoices(props: {
  grantable: readonly string[];
  /** The scopes the key had when the dialog opened (none for a new key). */
  had?: readonly string[];
  selected: string[];
  onChange: (scopes: string[]) => void;
}) {
  const had = props.had ?? [];
  const toggle = (scope: string, on: boolean) =>
    props.onChange(
      on ? [...props.selected, scope] : props.selected.filter((selected) => selected !== scope),
    );
  const choices: { scope: string; label: string; addable: boolean }[] = [
    ...KNOWN_SCOPES.filter((s) => props.grantable.includes(s.scope)).map((s) => ({
      ...s,
      addable: true,
    })),
    ...had
      .filter((scope) => !props.grantable.includes(scope))
      .map((scope) => ({
        scope,
        label: 'The key has it; your key cannot grant it, so it can be removed, not added back',
        addable: false,
      })),
  ];
  return (
    <fieldset>
      <legend>Scopes</legend>
      {choices.map(({ scope, label, addable }) => {
        const checked = props.selected.includes(scope);
        return (
          <label class="inline" key={scope}>
            <input
              type="checkbox"
              name="scope"
              value={scope}
              checked={checked}
              disabled={!addable && !checked}
              onChange={(e) => toggle(scope, (e.currentTarget as HTMLInputElement).checked)}
            />{' '}
            <code>{scope}</code> <span class="hint">{label}</span>
          </label>
        );
      })}
      {props.grantable.length < KNOWN_SCOPES.length && (
        <p class="hint">Only the scopes your own key grants are offered.</p>
      )}
    </fieldset>
  );
}

/**
 * What a key is for: its environment, owner and metadata (`name=value` lines), as text fields.
 * `read` gives what the API takes (an emptied field is `null`), or the words of a mistake.
 */
function useLabels(record?: KeyRecord) {
  const [environment, setEnvironment] = useState(record?.environment ?? '');
  const [owner, setOwner] = useState(record?.ownerId ?? '');
  const [meta, setMeta] = useState(metaText(record?.meta ?? null));
  const read = (): { labels: KeyLabels } | { error: string } => {
    const parsed = parseMetaText(meta);
    if ('error' in parsed) return parsed;
    return {
      labels: {
        environment: environment.trim() || null,
        ownerId: owner.trim() || null,
        meta: parsed.meta,
      },
    };
  };
  const field = (id: string, label: string, value: string, set: (v: string) => void) => (
    <>
      <label for={id}>{label}</label>
      <input
        id={id}
        autocomplete="off"
        value={value}
        onInput={(e) => set((e.currentTarget as HTMLInputElement).value)}
      />
    </>
  );
  const fields = (prefix: string) => (
    <>
      {field(
        `${prefix}-environment`,
        'Environment (optional, e.g. production)',
        environment,
        setEnvironment,
      )}
      {field(`${prefix}-owner`, 'Owner id (optional, e.g. u_42)', owner, setOwner)}
      <label for={`${prefix}-meta`}>Metadata (one field=value a line)</label>
      <textarea
        id={`${prefix}-meta`}
        rows={3}
        value={meta}
        onInput={(e) => setMeta((e.currentTarget as HTMLTextAreaElement).value)}
      />
    </>
  );
  return { read, fields };
}

const EXPIRY_CHOICES = [
  { value: '', label: 'Never' },
  { value: '24h', label: 'In 24 hours' },
  { value: '7d', label: 'In 7 days' },
  { value: '30d', label: 'In 30 days' },
  { value: '90d', label: 'In 90 days' },
  { value: '365d', label: 'In 365 days' },
  { value: 'date', label: 'On a date…' },
];

/** Create: name, scopes, expiry. */
export function CreateKeyDialog(props: {
  /** The scopes the signed-in key may grant: the only ones offered. */
  grantable: readonly string[];
  initialScopes: string[];
  onClose: () => void;
  onSubmit: (input: NewKey) => Promise<void>;
}) {
  const labels = useLabels();
  const [name, setName] = useState('');
  const [scopes, setScopes] = useState(props.initialScopes);
  const [expiry, setExpiry] = useState('');
  const [date, setDate] = useState('');
  const action = useAction();

  const submit = (event: Event) => {
    event.preventDefault();
    const trimmed = name.trim();
    if (trimmed === '') return action.setError('Give the key a name (1 to 100 characters).');
    if (scopes.length === 0) return action.setError('Choose at least one scope.');
    if (expiry === 'date' && date === '') return action.setError('Choose the expiry date.');
    const read = labels.read();
    if ('error' in read) return action.setError(read.error);
    const input: {
      name: string;
      scopes: string[];
      expiresIn?: string;
      expiresAt?: string;
    } & KeyLabels = {
      name: trimmed,
      scopes,
    };
    // Only what was given: an empty field sends nothing at creation.
    for (const [field, value] of Object.entries(read.labels)) {
      if (value !== null) Object.assign(input, { [field]: value });
    }
    if (expiry === 'date') input.expiresAt = new Date(`${date}T00:00:00.000Z`).toISOString();
    else if (expiry !== '') input.expiresIn = expiry;
    void action.run(() => props.onSubmit(input));
  };

  return (
    <Dialog title="Create API key" onClose={props.onClose} testId="create-dialog">
      <form onSubmit={submit} novalidate>
        <label for="create-name">Name</label>
        <input
          id="create-name"
          name="name"
          maxLength={100}
          required
          autocomplete="off"
          value={name}
          onInput={(e) => setName((e.currentTarget as HTMLInputElement).value)}
        />
        <ScopeChoices grantable={props.grantable} selected={scopes} onChange={setScopes} />
        <Select
          block
          id="create-expiry"
          label="Expires"
          value={expiry}
          choices={EXPIRY_CHOICES}
          onChange={setExpiry}
        />
        {expiry === 'date' && (
          <>
            <label for="create-date">Expiry date (UTC midnight)</label>
            <input
              id="create-date"
              type="date"
              value={date}
              onInput={(e) => setDate((e.currentTarget as HTMLInputElement).value)}
            />
          </>
        )}
        {labels.fields('create')}
        <FormEnd
          action={action}
          onCancel={props.onClose}
          label="Create key"
          busyLabel="Creating…"
        />
      </form>
    </Dialog>
  );
}

/**
 * The only place a key is shown: once, with a copy button and a warning. The key lives in this
 * dialog's props only; closing it unmounts the dialog, so the key leaves the DOM and the page.
 */
export function IssuedKeyDialog(props: {
  issued: IssuedKey;
  rotated: boolean;
  onClose: () => void;
}) {
  const { key, record } = props.issued;
  const [copied, setCopied] = useState<string | null>(null);
  const code = useRef<HTMLElement>(null);

  const copy = async () => {
    try {
      await navigator.clipboard.writeText(key);
      setCopied('Copied to the clipboard.');
    } catch {
      // No clipboard access (an insecure origin, or refused): select the key for Ctrl+C.
      const selection = window.getSelection();
      if (code.current && selection) {
        const range = document.createRange();
        range.selectNodeContents(code.current);
        selection.removeAllRanges();
        selection.addRange(range);
      }
      setCopied('The browser refused the clipboard: the key is selected, press Ctrl+C (⌘C).');
    }
  };

  return (
    <Dialog
      title={props.rotated ? 'Your rotated API key' : 'Your new API key'}
      onClose={props.onClose}
      testId="issued-dialog"
    >
      <p>
        Key <code>{displayPrefix(record.prefix)}</code> “<span class="name">{record.name}</span>”
        for project <strong>{record.projectId}</strong>:
      </p>
      <p class="secret">
        <code ref={code} data-testid="issued-key">
          {key}
        </code>
      </p>
      <p class="warning" role="note">
        <strong>This key will not be shown again.</strong> Copy it now and keep it somewhere safe:
        only a hash of it is stored, so it cannot be recovered.
      </p>
      <p role="status" class="status">
        {copied}
      </p>
      <div class="buttons">
        <button type="button" onClick={copy}>
          Copy key
        </button>
        <button type="button" class="secondary" onClick={props.onClose}>
          Done, close
        </button>
      </div>
    </Dialog>
  );
}

/** The warning of a dialog whose action ends the key the page is signed in with. */
function SignedInWarning(props: { then: string }) {
  return (
    <p class="warning" role="note">
      <strong>This is the key you are signed in with:</strong> {props.then}
    </p>
  );
}

/** Revoke, after an explicit confirmation; Cancel has the focus. */
export function RevokeDialog(props: {
  record: KeyRecord;
  /** Whether this is the signed-in key, whose revocation signs the page out. */
  signedIn: boolean;
  onClose: () => void;
  onConfirm: () => Promise<void>;
}) {
  const action = useAction();
  return (
    <Dialog
      title="Revoke this key?"
      role="alertdialog"
      onClose={props.onClose}
      testId="revoke-dialog"
    >
      <p>
        Key <code>{displayPrefix(props.record.prefix)}</code> “
        <span class="name">{props.record.name}</span>” will be refused at once, on every server.
        This cannot be undone.
      </p>
      {props.signedIn && <SignedInWarning then="the dashboard will sign you out." />}
      <ErrorLine error={action.error} />
      <div class="buttons">
        <button type="button" class="secondary" autofocus onClick={props.onClose}>
          Cancel
        </button>
        <button
          type="button"
          class="danger"
          disabled={action.busy}
          onClick={() => void action.run(props.onConfirm)}
        >
          {action.busy ? 'Revoking…' : 'Revoke key'}
        </button>
      </div>
    </Dialog>
  );
}

const GRACE_CHOICES = [
  { value: '', label: 'None: the old key stops at once' },
  { value: '1h', label: '1 hour' },
  { value: '24h', label: '24 hours' },
  { value: '7d', label: '7 days' },
];

/** Rotate: a new key with the same name and scopes; the old one lasts for the grace period. */
export function RotateDialog(props: {
  record: KeyRecord;
  /** Whether this is the signed-in key: without grace, the page signs out after the new key. */
  signedIn: boolean;
  onClose: () => void;
  onConfirm: (grace: string | undefined) => Promise<void>;
}) {
  const [grace, setGrace] = useState('24h');
  const action = useAction();
  const submit = (event: Event) => {
    event.preventDefault();
    void action.run(() => props.onConfirm(grace || undefined));
  };
  return (
    <Dialog title="Rotate this key?" onClose={props.onClose} testId="rotate-dialog">
      <form onSubmit={submit} novalidate>
        <p>
          A new key replaces <code>{displayPrefix(props.record.prefix)}</code> “
          <span class="name">{props.record.name}</span>”, with the same name and scopes. The old key
          keeps working for the grace period, so clients can switch.
        </p>
        <Select
          block
          id="rotate-grace"
          label="Grace period for the old key"
          value={grace}
          choices={GRACE_CHOICES}
          onChange={setGrace}
        />
        {props.signedIn && grace === '' && (
          <SignedInWarning then="with no grace period, the dashboard will sign you out once you have copied the new key." />
        )}
        <FormEnd
          action={action}
          onCancel={props.onClose}
          label="Rotate key"
          busyLabel="Rotating…"
        />
      </form>
    </Dialog>
  );
}

/** Edit a key's name and scopes. */
export function EditKeyDialog(props: {
  /** The scopes the signed-in key may grant: the only ones that can be added. */
  grantable: readonly string[];
  record: KeyRecord;
  onClose: () => void;
  onSubmit: (patch: { name?: string; scopes?: string[] } & KeyLabels) => Promise<void>;
}) {
  const labels = useLabels(props.record);
  const [name, setName] = useState(props.record.name);
  const [scopes, setScopes] = useState(props.record.scopes);
  const action = useAction();
  const submit = (event: Event) => {
    event.preventDefault();
    const trimmed = name.trim();
    if (trimmed === '') return action.setError('Give the key a name (1 to 100 characters).');
    if (scopes.length === 0) return action.setError('Choose at least one scope.');
    const read = labels.read();
    if ('error' in read) return action.setError(read.error);
    const patch: { name?: string; scopes?: string[] } & KeyLabels = {};
    if (trimmed !== props.record.name) patch.name = trimmed;
    const { environment, ownerId, meta } = read.labels;
    if (environment !== props.record.environment) patch.environment = environment;
    if (ownerId !== props.record.ownerId) patch.ownerId = ownerId;
    if (JSON.stringify(meta) !== JSON.stringify(props.record.meta)) patch.meta = meta;
    const same =
      scopes.length === props.record.scopes.length &&
      scopes.every((s) => props.record.scopes.includes(s));
    if (!same) patch.scopes = scopes;
    if (Object.keys(patch).length === 0) return props.onClose();
    void action.run(() => props.onSubmit(patch));
  };
  return (
    <Dialog title="Edit key" onClose={props.onClose} testId="edit-dialog">
      <form onSubmit={submit} novalidate>
        <p>
          Key <code>{displayPrefix(props.record.prefix)}</code>. Narrowed scopes apply at once on
          every server.
        </p>
        <label for="edit-name">Name</label>
        <input
          id="edit-name"
          maxLength={100}
          autocomplete="off"
          value={name}
          onInput={(e) => setName((e.currentTarget as HTMLInputElement).value)}
        />
        <ScopeChoices
          grantable={props.grantable}
          had={props.record.scopes}
          selected={scopes}
          onChange={setScopes}
        />
        {labels.fields('edit')}
        <FormEnd action={action} onCancel={props.onClose} label="Save" busyLabel="Saving…" />
      </form>
    </Dialog>
  );
}
