import { useEffect, useState } from 'preact/hooks';
import type { Api, IssuedKey, KeyFilter, KeyRecord, KeyStatus } from './api';
import {
  LEAST_SCOPE,
  displayPrefix,
  grantableScopes,
  keyGoneNote,
  rotationNotice,
  signedInRecord,
} from './format';
import { DataTable, DateText, ErrorLine, Select } from './ui';
import { ApiError, errorText } from './api';
import {
  CreateKeyDialog,
  EditKeyDialog,
  IssuedKeyDialog,
  RevokeDialog,
  RotateDialog,
} from './key-dialogs';

type Open =
  | { kind: 'create' }
  | { kind: 'issued'; issued: IssuedKey; rotated: boolean; thenSignOut?: string }
  | { kind: 'revoke' | 'rotate' | 'edit'; record: KeyRecord }
  | null;

const COLUMNS = [
  'Prefix',
  'Name',
  'Environment',
  'Owner',
  'Scopes',
  'Created',
  'Last used',
  'Requests',
  'Status',
  'Expires',
  'Actions',
];

const FILTERS: { value: KeyStatus | ''; label: string }[] = [
  { value: '', label: 'All keys' },
  { value: 'active', label: 'Active keys' },
  { value: 'revoked', label: 'Revoked keys' },
  { value: 'expired', label: 'Expired keys' },
];

/** The row buttons, for active keys only: a revoked or expired key can only be read. */
const ACTIONS = [
  { kind: 'edit', label: 'Edit' },
  { kind: 'rotate', label: 'Rotate' },
  { kind: 'revoke', label: 'Revoke' },
] as const;

/** What the tab knows of the signed-in key: its display prefix, and its record when unique. */
export interface SignedIn {
  prefix: string;
  record: KeyRecord | null;
}

/** A rotation link of a row: the key it replaced, or the one that replaced it. */
function RotationLink(props: { words: string; id: string; prefixes: Map<string, string> }) {
  const prefix = props.prefixes.get(props.id);
  return (
    <span class="link">
      {props.words} <code>{prefix ? displayPrefix(prefix) : props.id}</code>
    </span>
  );
}

/** The API Keys tab: the project's keys, a status filter, and create, edit, rotate, revoke. */
export function KeysTab(props: {
  api: Api;
  signedIn: SignedIn;
  onProject: (projectId: string) => void;
  /** Back to sign-in, with a note saying why. */
  onSignOut: (note: string) => void;
}) {
  const { api } = props;
  const [filter, setFilter] = useState<KeyStatus | ''>('');
  const [labelFilter, setLabelFilter] = useState<KeyFilter>({});
  const [keys, setKeys] = useState<KeyRecord[] | null>(null);
  // The signed-in key's record, read again with every list that holds the active keys.
  const [self, setSelf] = useState(props.signedIn.record);
  // Every key's prefix seen so far, so a filtered list still names the other side of a rotation.
  const [prefixes] = useState(() => new Map<string, string>());
  const [error, setError] = useState<string | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const [open, setOpen] = useState<Open>(null);
  const [reloads, setReloads] = useState(0);

  useEffect(() => {
    let live = true;
    api
      .listKeys(filter || undefined, labelFilter)
      .then((list) => {
        if (!live) return;
        for (const k of list) prefixes.set(k.id, k.prefix);
        if (
          (filter === '' || filter === 'active') &&
          !labelFilter.environment &&
          !labelFilter.ownerId
        )
          setSelf(signedInRecord(list, props.signedIn.prefix));
        setKeys(list);
        setError(null);
        if (list[0]) props.onProject(list[0].projectId);
      })
      .catch((e) => {
        if (!live) return;
        // The signed-in key stopped working (revoked or expired elsewhere): no stale table.
        if (e instanceof ApiError && e.status === 401) {
          props.onSignOut(keyGoneNote(props.signedIn.prefix));
        } else setError(errorText(e));
      });
    return () => {
      live = false;
    };
  }, [filter, labelFilter, reloads]);

  const reload = () => setReloads((n) => n + 1);
  const close = () => setOpen(null);
  const grantable = grantableScopes(self?.scopes ?? null);
  // By id when the signed-in key's record is known, else by prefix (it may be this one).
  const isSelf = (k: KeyRecord) =>
    self ? k.id === self.id : k.status === 'active' && k.prefix === props.signedIn.prefix;

  return (
    <>
      <div class="toolbar">
        <h2 id="keys-title">API keys</h2>
        <Select label="Show" value={filter} choices={FILTERS} onChange={setFilter} />
        {/* Uncontrolled: a list reloading meanwhile never resets what is being typed. */}
        {(['environment', 'ownerId'] as const).map((field) => (
          <label>
            {field === 'environment' ? 'Environment' : 'Owner'}{' '}
            <input
              class="filter"
              size={10}
              onChange={(e) =>
                setLabelFilter({
                  ...labelFilter,
                  [field]: (e.currentTarget as HTMLInputElement).value.trim() || undefined,
                })
              }
            />
          </label>
        ))}
        <button type="button" onClick={() => setOpen({ kind: 'create' })}>
          Create API key
        </button>
      </div>
      <p role="status" class="status">
        {notice}
      </p>
      <ErrorLine error={error} />
      {keys === null && !error && <p class="loading">Loading keys…</p>}
      {keys !== null && (
        <DataTable
          className="keys"
          columns={COLUMNS}
          labelledBy="keys-title"
          empty={
            keys.length === 0
              ? `No keys${filter ? ` with status ${filter}` : ''}${labelFilter.environment || labelFilter.ownerId ? ' matching the filters' : ''}.`
              : null
          }
        >
          {keys.map((k) => (
            <tr key={k.id} data-key-id={k.id}>
              <td data-label="Prefix">
                <span>
                  <code>{displayPrefix(k.prefix)}</code>
                  {k.rotatedTo && (
                    <RotationLink words="rotated to" id={k.rotatedTo} prefixes={prefixes} />
                  )}
                  {k.rotatedFrom && (
                    <RotationLink words="replaces" id={k.rotatedFrom} prefixes={prefixes} />
                  )}
                </span>
              </td>
              <td data-label="Name" class="name">
                {k.name}
              </td>
              <td data-label="Environment">{k.environment ?? <span class="hint">any</span>}</td>
              <td data-label="Owner" class="owner">
                {k.ownerId}
                {k.meta && (
                  <ul class="meta">
                    {Object.entries(k.meta).map(([name, value]) => (
                      <li>
                        <code>{`${name}=${String(value)}`}</code>
                      </li>
                    ))}
                  </ul>
                )}
              </td>
              <td data-label="Scopes">
                <ul class="scopes">
                  {k.scopes.map((s) => (
                    <li>
                      <code>{s}</code>
                    </li>
                  ))}
                </ul>
              </td>
              <td data-label="Created">
                <DateText iso={k.createdAt} />
              </td>
              <td data-label="Last used">
                <DateText iso={k.lastUsedAt} none="Never" />
              </td>
              <td data-label="Requests" class="num">
                {k.requestCount}
              </td>
              <td data-label="Status">
                <span class={`status-badge ${k.status}`}>{k.status}</span>
                {k.rotationDue && (
                  <span class="status-badge due" title="Older than the rotation period: rotate it">
                    rotation due
                  </span>
                )}
              </td>
              <td data-label="Expires">
                <DateText iso={k.expiresAt} none="Never" />
              </td>
              <td data-label="Actions" class="actions">
                <span>
                  {(k.status === 'active' ? ACTIONS : []).map((a) => (
                    <button
                      type="button"
                      class={a.kind === 'revoke' ? 'danger' : 'secondary'}
                      aria-label={`${a.label} ${displayPrefix(k.prefix)} ${k.name}`}
                      onClick={() => setOpen({ kind: a.kind, record: k })}
                    >
                      {a.label}
                    </button>
                  ))}
                </span>
              </td>
            </tr>
          ))}
        </DataTable>
      )}

      {open?.kind === 'create' && (
        <CreateKeyDialog
          grantable={grantable}
          initialScopes={grantable.includes(LEAST_SCOPE) ? [LEAST_SCOPE] : []}
          onClose={close}
          onSubmit={async (input) => {
            const issued = await api.createKey(input);
            setNotice(`Key ${displayPrefix(issued.record.prefix)} created.`);
            setOpen({ kind: 'issued', issued, rotated: false });
            reload();
          }}
        />
      )}
      {open?.kind === 'issued' && (
        <IssuedKeyDialog
          issued={open.issued}
          rotated={open.rotated}
          onClose={() => {
            if (open.thenSignOut) props.onSignOut(open.thenSignOut);
            else close();
          }}
        />
      )}
      {open?.kind === 'revoke' && (
        <RevokeDialog
          record={open.record}
          signedIn={isSelf(open.record)}
          onClose={close}
          onConfirm={async () => {
            const record = await api.revokeKey(open.record.id);
            if (isSelf(record)) {
              props.onSignOut(
                `You revoked ${displayPrefix(record.prefix)}, the key you were signed in with. ` +
                  'Sign in with another key to go on.',
              );
              return;
            }
            setNotice(`Key ${displayPrefix(record.prefix)} revoked.`);
            close();
            reload();
          }}
        />
      )}
      {open?.kind === 'rotate' && (
        <RotateDialog
          record={open.record}
          signedIn={isSelf(open.record)}
          onClose={close}
          onConfirm={async (grace) => {
            const issued = await api.rotateKey(open.record.id, grace);
            setNotice(rotationNotice(open.record.prefix, issued.record.prefix, grace));
            // Rotating the signed-in key with no grace ends it: sign out once the new key is copied.
            const ended = !grace && isSelf(open.record);
            const thenSignOut = ended
              ? `You rotated ${displayPrefix(open.record.prefix)}, the key you were signed in ` +
                `with, and it stopped. Sign in with the new key ${displayPrefix(issued.record.prefix)} to go on.`
              : undefined;
            setOpen({ kind: 'issued', issued, rotated: true, thenSignOut });
            if (!ended) reload();
          }}
        />
      )}
      {open?.kind === 'edit' && (
        <EditKeyDialog
          grantable={grantable}
          record={open.record}
          onClose={close}
          onSubmit={async (patch) => {
            const record = await api.updateKey(open.record.id, patch);
            setNotice(`Key ${displayPrefix(record.prefix)} updated.`);
            close();
            reload();
          }}
        />
      )}
    </>
  );
}
