#!/usr/bin/env bash
# npm run demo: a scripted, non-interactive walkthrough of gmv on a throwaway SQLite vault in a
# temp dir. Nothing outside that dir is touched; it is removed at the end.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
work=$(mktemp -d "${TMPDIR:-/tmp}/gmv-demo.XXXXXX")
trap 'rm -rf "$work"' EXIT
export HOME="$work" XDG_CONFIG_HOME="$work/config" XDG_DATA_HOME="$work/data" NODE_ENV=production LANG=C.UTF-8
unset GMV_DATABASE_URL GMV_VAULT
gmv() { node "$root/bin/run.js" "$@"; }
step() { printf '\n\033[1m== %s\033[0m\n' "$*"; }
show() { printf '$ gmv %s\n' "$*"; gmv "$@"; }
expect_fail() {
  local want=$1; shift
  printf '$ gmv %s   # expected to fail with exit %s\n' "$*" "$want"
  set +e; gmv "$@"; local got=$?; set -e
  [ "$got" = "$want" ] || { echo "demo: expected exit $want, got $got" >&2; exit 1; }
  echo "(exit $got)"
}

printf 'plum-blossom-7Q-canal-lantern\n' > "$work/officer.pass"
chmod 600 "$work/officer.pass"

step "1. Create a vault: organisation, first unit, first security officer (passphrase from a file, never argv)"
show init --org "沈阳市某区融媒体中心" --unit "新媒体科" --officer "李安" --login li.an --passphrase-file "$work/officer.pass"

step "2. Every change is in the append-only audit log"
show audit log

step "3. The organisation public key, for auditors"
show org key export | head -n 3; echo "…"

step "4. An officer exports a checkpoint signed with the organisation key"
show audit checkpoint export --out "$work/evidence" --login li.an --passphrase-file "$work/officer.pass"
if command -v gpg >/dev/null; then
  step "5. The auditor checks it with GnuPG alone"
  export GNUPGHOME="$work/gnupg"; mkdir -m 700 "$GNUPGHOME"
  gpg --batch -q --import "$work/evidence/org-key.asc"
  echo "\$ gpg --verify checkpoint.json.sig checkpoint.json"
  gpg --batch --verify "$work/evidence/checkpoint.json.sig" "$work/evidence/checkpoint.json" 2>&1 | grep -E 'Good signature|BAD' || true
fi

step "6. gmv verifies every entry, every Merkle root and every signature"
show audit verify
show audit verify --since-checkpoint "$work/evidence/checkpoint.json"

step "7. A wrong passphrase is refused, and the refusal itself is audited"
printf 'not-the-passphrase-at-all\n' > "$work/wrong.pass"
expect_fail 5 audit checkpoint export --out "$work/evidence2" --login li.an --passphrase-file "$work/wrong.pass"
show audit log --action auth.failed

step "8. Someone with database access rewrites history (entry #2 now names another person)"
sqlite() { node --input-type=module -e "
  import Database from '$root/node_modules/better-sqlite3/lib/index.js';
  import { createHash } from 'node:crypto';
  const db = new Database('$work/data/gmv/vault.db');
  const leaf = (text) => createHash('sha256').update(Buffer.concat([Buffer.from([0]), Buffer.from(text)])).digest('hex');
  $1
  db.close();"; }
sqlite "const row = db.prepare('select body from audit_entries where seq = 2').get();
  db.prepare('update audit_entries set body = ?, actor = ?, subject = ? where seq = 2').run(row.body.replaceAll('li.an', 'wang.wu'), 'wang.wu', 'wang.wu');"
expect_fail 6 audit verify
echo "…and in Chinese:"
expect_fail 6 audit verify --lang zh-CN

step "9. The tamperer also recomputes the entry's hash: the signed checkpoints no longer match"
sqlite "const row = db.prepare('select body from audit_entries where seq = 2').get();
  db.prepare('update audit_entries set leaf_hash = ? where seq = 2').run(leaf(row.body));"
expect_fail 6 audit verify

step "10. …and deletes every checkpoint: gmv notices, and the auditor's exported checkpoint proves the rewrite"
sqlite "db.prepare('delete from audit_checkpoints').run();"
expect_fail 6 audit verify
expect_fail 6 audit verify --since-checkpoint "$work/evidence/checkpoint.json"

printf '\nDemo complete. Everything above ran on a throwaway vault in %s (now removed).\n' "$work"
