#!/usr/bin/env bash
# npm run demo: a scripted, non-interactive walkthrough of gmv on a throwaway SQLite vault in a
# temp dir. Nothing outside that dir is touched; it is removed at the end.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
work=$(mktemp -d "${TMPDIR:-/tmp}/gmv-demo.XXXXXX")
# Sessions started by the demo are locked on the way out, whatever happens.
trap 'XDG_CONFIG_HOME="$work/config" node "$root/bin/run.js" lock >/dev/null 2>&1; XDG_CONFIG_HOME="$work/zhang-terminal" node "$root/bin/run.js" lock >/dev/null 2>&1; XDG_CONFIG_HOME="$work/wang-terminal" node "$root/bin/run.js" lock >/dev/null 2>&1; [ -d "$work/gnupg" ] && gpgconf --homedir "$work/gnupg" --kill gpg-agent >/dev/null 2>&1; rm -rf "$work"' EXIT
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
printf 'zhang-wei-rides-the-night-bus-88\n' > "$work/zhang.pass"
chmod 600 "$work/officer.pass" "$work/zhang.pass"
# Zhang Wei's own terminal: another config dir, so another device key.
as_zhang() { XDG_CONFIG_HOME="$work/zhang-terminal" "$@"; }

step "1. Create a vault: organisation, first unit, first security officer (passphrase from a file, never argv)"
show init --org "沈阳市某区融媒体中心" --unit "新媒体科" --officer "李安" --login li.an --passphrase-file "$work/officer.pass" \
  --recovery-key-out "$work/recovery.asc"

step "2. The officer logs in on this terminal (the key stays in a session agent's memory) and onboards a colleague with his training (Art. 25)"
show login --login li.an --passphrase-file "$work/officer.pass"
show whoami
# China dates: he took the courses last month.
trained=$(TZ=Asia/Shanghai date -d '-30 days' +%F)
printf 'certificate: security basics, confidentiality, content review (%s)\n' "$trained" > "$work/zhang-certificates.pdf"
show staff onboard --login zhang.wei --name "张伟" --unit "新媒体科" --roles account-admin,editor \
  --training "security-basics=$trained" --training "confidentiality=$trained" --training "content-review=$trained" --evidence "$work/zhang-certificates.pdf"
show training status

step "3. On Zhang Wei's terminal: enroll the device (creates his key pair), read the code to the officer"
printf '$ gmv device enroll --login zhang.wei --passphrase-file …   # on his terminal\n'
code=$(as_zhang gmv device enroll --login zhang.wei --passphrase-file "$work/zhang.pass" --json | node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>console.log(JSON.parse(s).code))')
echo "enrollment code: $code"

step "4. The officer approves it: device certificate from the vault's CA, certified signing key"
show device approve "$code"
show device list

step "5. Zhang Wei logs in on his terminal; he may not approve devices himself"
printf '$ gmv login --login zhang.wei …   # on his terminal\n'
as_zhang gmv login --login zhang.wei --passphrase-file "$work/zhang.pass"
printf '$ gmv whoami   # on his terminal\n'
as_zhang gmv whoami
printf '$ gmv device approve AAAAA-BBBBB   # on his terminal, expected to fail with exit 4\n'
set +e; as_zhang gmv device approve AAAAA-BBBBB; got=$?; set -e
[ "$got" = 4 ] || { echo "demo: expected exit 4, got $got" >&2; exit 1; }
echo "(exit $got)"

step "6. Zhang Wei registers the unit's Weibo account and stores its password and TOTP seed (from stdin, never argv)"
zhang() { printf '$ gmv %s   # on his terminal\n' "$*"; as_zhang gmv "$@"; }
zhang account add --slug weibo-press --platform weibo --name "沈阳发布" --unit "新媒体科" --login-id shenyang_fabu
printf 'Weibo-Press-Pa55word-2026\n' | as_zhang gmv secret set weibo-press --field password --from-file - && echo '(password stored)'
printf 'otpauth://totp/Weibo:shenyang_fabu?secret=JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP&issuer=Weibo\n' | as_zhang gmv secret set weibo-press --field totp --from-file - && echo '(TOTP seed stored)'
zhang secret show weibo-press --reveal
zhang otp weibo-press

step "7. The officer has no training on record: his reveal is refused, naming the course (and audited); then no grant; then TOTP codes only"
expect_fail 4 secret show weibo-press --reveal
printf 'certificate: security basics, confidentiality, incident response — li.an (%s)\n' "$trained" > "$work/li-certificates.pdf"
show training record li.an security-basics confidentiality incident-response --completed "$trained" --evidence "$work/li-certificates.pdf"
expect_fail 4 secret show weibo-press --reveal
show grant add li.an weibo-press --can otp
show otp weibo-press
expect_fail 4 secret show weibo-press --reveal

step "8. Guided rotation: gmv generates a password meeting Weibo's rules, shows it once, stores it when confirmed"
zhang rotate start weibo-press --reason scheduled
zhang rotate confirm weibo-press
show account show weibo-press

step "9. What could Zhang Wei ever decrypt? Every version, through which wrap, until when (offboarding starts here)"
show staff exposure zhang.wei

step "10. Deadlines in working days (Art. 12, 35): the 2025 National Day break, 调休 Saturdays counted"
show calendar is-workday 2025-10-01
show calendar is-workday 2025-10-11
show calendar add-workdays 2025-09-28 7
echo "…the same answer whatever the machine's time zone:"
printf '$ TZ=America/Los_Angeles gmv calendar add-workdays 2025-09-28 7\n'; TZ=America/Los_Angeles gmv calendar add-workdays 2025-09-28 7
echo "…and a year no published calendar covers yet is flagged, not guessed:"
expect_fail 12 calendar add-workdays 2026-12-20 10

if command -v openssl >/dev/null; then
  step "11. OpenSSL checks the device certificate against the CA and the revocation list"
  device=$(gmv device list --json | node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>console.log(JSON.parse(s).devices.find(d=>d.login==="zhang.wei").id))')
  gmv device ca export --out "$work/ca.pem" >/dev/null
  gmv device cert "$device" --out "$work/zhang.pem" >/dev/null
  gmv device crl export --out "$work/crl-1.pem" >/dev/null
  echo "\$ openssl verify -CAfile ca.pem -CRLfile crl.pem -crl_check zhang.pem"
  openssl verify -CAfile "$work/ca.pem" -CRLfile "$work/crl-1.pem" -crl_check "$work/zhang.pem" | sed "s#$work/##"
  step "12. His laptop is lost: the officer revokes it; OpenSSL and gmv both refuse it now"
  show device revoke "$device" --reason "laptop lost"
  gmv device crl export --out "$work/crl-2.pem" >/dev/null
  echo "\$ openssl verify -CAfile ca.pem -CRLfile crl.pem -crl_check zhang.pem"
  openssl verify -CAfile "$work/ca.pem" -CRLfile "$work/crl-2.pem" -crl_check "$work/zhang.pem" 2>&1 | sed "s#$work/##" | grep -E 'revoked|OK' || true
  as_zhang gmv lock >/dev/null
  printf '$ gmv login --login zhang.wei …   # on the revoked terminal, expected to fail with exit 5\n'
  set +e; as_zhang gmv login --login zhang.wei --passphrase-file "$work/zhang.pass"; got=$?; set -e
  [ "$got" = 5 ] || { echo "demo: expected exit 5, got $got" >&2; exit 1; }
  echo "(exit $got)"
fi

step "13. A second security officer, Wang Fang, on her own terminal: a drill needs two people (Art. 27)"
printf 'wang-fang-keeps-the-river-lamps-31\n' > "$work/wang.pass"; chmod 600 "$work/wang.pass"
as_wang() { XDG_CONFIG_HOME="$work/wang-terminal" "$@"; }
show staff add --login wang.fang --name "王芳" --unit "新媒体科" --roles security-officer
show training record wang.fang security-basics confidentiality incident-response --completed "$trained"   # countersigning needs the training of her role (Art. 25)
wcode=$(as_wang gmv device enroll --login wang.fang --passphrase-file "$work/wang.pass" --json | node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>console.log(JSON.parse(s).code))')
gmv device approve "$wcode" >/dev/null && echo "(her terminal approved: $wcode)"
as_wang gmv login --login wang.fang --passphrase-file "$work/wang.pass" >/dev/null && echo "(Wang Fang logged in on her terminal)"

step "14. Backups and the restore drill (Art. 28): an encrypted, signed backup; GnuPG alone opens it; the drill restores, compares and records it; Li An signs, Wang Fang countersigns"
show checklist due
mkdir -m 700 "$work/backups"
show backup create --out "$work/backups/gmv-$(date +%F).gmvbak"
echo "…checked on a machine that has only the file and the recovery key:"
show backup verify "$work/backups/gmv-$(date +%F).gmvbak" --recovery-key "$work/recovery.asc"
if command -v gpg >/dev/null; then
  echo "…and with GnuPG alone it is SQL that sqlite3 or psql loads (docs/RECOVERY.md):"
  mkdir -p -m 700 "$work/gnupg-recovery"
  GNUPGHOME="$work/gnupg-recovery" gpg --batch -q --import "$work/recovery.asc" 2>/dev/null
  echo "\$ gpg --decrypt gmv-$(date +%F).gmvbak | head -4"
  GNUPGHOME="$work/gnupg-recovery" gpg --batch -q --decrypt "$work/backups/gmv-$(date +%F).gmvbak" 2>/dev/null | head -4 | cut -c1-150 || true
fi
echo "…a flipped byte is refused, and nothing is restored:"
cp "$work/backups/gmv-$(date +%F).gmvbak" "$work/backups/tampered.gmvbak"
printf '\x00' | dd of="$work/backups/tampered.gmvbak" bs=1 seek=20000 conv=notrunc 2>/dev/null
expect_fail 6 backup restore "$work/backups/tampered.gmvbak" --to "$work/restored.db"
show backup restore "$work/backups/gmv-$(date +%F).gmvbak" --to "$work/restored.db"
echo '$ gmv backup drill'
run=$(gmv backup drill --json | node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>console.log(JSON.parse(s).run.id))')
echo "(drill recorded as $run)"
show checklist show "$run"
show checklist sign "$run"
echo "…the one who ran it may not also countersign:"
expect_fail 4 checklist countersign "$run"
printf '$ gmv checklist countersign %s   # on her terminal\n' "$run"; as_wang gmv checklist countersign "$run"
show checklist export "$run" --out "$work/drill"
gmv org key export > "$work/pinned-org.asc"   # the auditor's own copy of the organisation key, from step 17
show checklist verify "$work/drill" --org-key "$work/pinned-org.asc"
if command -v gpg >/dev/null; then
  echo "…and with GnuPG alone, each signature as it is (the commands are in VERIFY.txt):"
  mkdir -p -m 700 "$work/gnupg"
  (cd "$work/drill" && GNUPGHOME="$work/gnupg" gpg --batch -q --import org-key.asc keys/*.asc 2>/dev/null
   for sig in run.performer.sig run.countersigner.sig; do
     echo "\$ gpg --verify $sig run.json"
     GNUPGHOME="$work/gnupg" gpg --batch --verify "$sig" run.json 2>&1 | grep -E 'Good signature|BAD' || true
   done)
fi
echo "…and an edited record is named, exit 6:"
sed -i '0,/"status":"done"/s//"status":"failed"/' "$work/drill/run.json"
expect_fail 6 checklist verify "$work/drill"

step "14b. A reader points at a counterfeit of the unit's Weibo account (Art. 29): the case is recorded with its evidence and its checklist opened; the officers work it and sign it closed"
printf 'screenshot: "沈阳某区发布-官方" posting a fake notice, %s\n' "$(date +%F)" > "$work/counterfeit.png"
show impersonation report --platform weibo --url https://weibo.com/u/7712345678 --handle "沈阳某区发布-官方" --account weibo-press \
  --evidence "$work/counterfeit.png" --note "读者举报 / a reader's tip"
case=$(gmv impersonation list --open --json | node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>{const c=JSON.parse(s).cases.at(-1);console.log(c.id+" "+c.run.id)})')
imprun=${case#* }; case=${case% *}
printf 'platform ticket %s: account suspended\n' "$(date +%F)" > "$work/platform-ticket.txt"
show checklist step "$imprun" verify --status done --evidence "$work/counterfeit.png"
for s in cac-police platform report; do gmv checklist step "$imprun" "$s" --status done --evidence "$work/platform-ticket.txt" >/dev/null; done
echo "(steps cac-police, platform and report recorded with the platform's ticket)"
show checklist sign "$imprun"
printf '$ gmv checklist countersign %s   # on her terminal\n' "$imprun"; as_wang gmv checklist countersign "$imprun"
show impersonation show "$case"

step "15. Zhang Wei leaves (Art. 25): one command revokes his grants, terminals and keys, queues what he could read, opens the checklist"
show staff offboard zhang.wei
show rotate due --reason departure
show staff show zhang.wei
echo "…the officer takes the account over and rotates: the new password closes the password; the TOTP seed stays open until it is replaced too:"
show grant add li.an weibo-press --can reveal,otp,manage
show rotate start weibo-press --reason manual
show rotate confirm weibo-press
show rotate due --reason departure

step "15b. Wang Fang steps down as security officer: she held the organisation key and the device CA, so both are replaced in the same change"
show staff set-roles wang.fang --roles editor
echo "…the auditor's copy of the old organisation key (step 14) still verifies the log, through the signed hand-over:"
show audit verify --org-key "$work/pinned-org.asc"

step "16. Every change and every refusal is in the append-only audit log"
show audit log --last 10

step "17. The organisation public key, for auditors"
show org key export | head -n 3; echo "…"

step "18. The officer (in the session) exports a checkpoint signed with the organisation key"
show audit checkpoint export --out "$work/evidence"
if command -v gpg >/dev/null; then
  step "19. The auditor checks it with GnuPG alone"
  export GNUPGHOME="$work/gnupg"; mkdir -p -m 700 "$GNUPGHOME"
  gpg --batch -q --import "$work/evidence/org-key.asc"
  echo "\$ gpg --verify checkpoint.json.sig checkpoint.json"
  gpg --batch --verify "$work/evidence/checkpoint.json.sig" "$work/evidence/checkpoint.json" 2>&1 | grep -E 'Good signature|BAD' || true
fi

step "20. gmv verifies every entry, every Merkle root and every signature"
show audit verify
show audit verify --since-checkpoint "$work/evidence/checkpoint.json"

step "21. The compliance report per unit and per article (arts. 24, 31-33), signed by the officer; an inspector checks it"
show report --format html --out "$work/evidence/report.html"
show report --format md --out "$work/report.md" --lang zh-CN
sed -n '2,30p' "$work/report.md"; echo "…"
if command -v gpg >/dev/null; then
  gpg --batch -q --import "$work/evidence/report.html.signer.asc"
  echo "\$ gpg --verify report.html.sig report.html"
  gpg --batch --verify "$work/evidence/report.html.sig" "$work/evidence/report.html" 2>&1 | grep -E 'Good signature|BAD' || true
fi

step "22. A wrong passphrase is refused, and the refusal itself is audited"
printf 'not-the-passphrase-at-all\n' > "$work/wrong.pass"
expect_fail 5 audit checkpoint export --out "$work/evidence2" --login li.an --passphrase-file "$work/wrong.pass"
show audit log --action auth.failed

step "23. Someone with database access makes Zhang Wei a security officer with plain SQL: gmv audit verify names the row"
sqlite() { node --input-type=module -e "
  import Database from '$root/node_modules/better-sqlite3/lib/index.js';
  import { createHash } from 'node:crypto';
  const db = new Database('$work/data/gmv/vault.db');
  const leaf = (text) => createHash('sha256').update(Buffer.concat([Buffer.from([0]), Buffer.from(text)])).digest('hex');
  $1
  db.close();"; }
sqlite "db.prepare(\"update people set roles = '[\\\"security-officer\\\"]' where login = 'zhang.wei'\").run();"
expect_fail 6 audit verify
sqlite "db.prepare(\"update people set roles = '[\\\"account-admin\\\",\\\"editor\\\"]' where login = 'zhang.wei'\").run();"
echo "(put back: the signed log and the table agree again)"
show audit verify

step "24. Someone with database access rewrites history (entry #2 now names another person)"
sqlite "const row = db.prepare('select body from audit_entries where seq = 2').get();
  db.prepare('update audit_entries set body = ?, actor = ?, subject = ? where seq = 2').run(row.body.replaceAll('li.an', 'wang.wu'), 'wang.wu', 'wang.wu');"
expect_fail 6 audit verify
echo "…and in Chinese:"
expect_fail 6 audit verify --lang zh-CN

step "25. The tamperer also recomputes the entry's hash: the signed checkpoints no longer match"
sqlite "const row = db.prepare('select body from audit_entries where seq = 2').get();
  db.prepare('update audit_entries set leaf_hash = ? where seq = 2').run(leaf(row.body));"
expect_fail 6 audit verify

step "26. …and deletes every checkpoint: gmv notices, and the auditor's exported checkpoint proves the rewrite"
sqlite "db.prepare('delete from audit_checkpoints').run();"
expect_fail 6 audit verify
expect_fail 6 audit verify --since-checkpoint "$work/evidence/checkpoint.json"

gmv lock >/dev/null
printf '\nDemo complete. Everything above ran on a throwaway vault in %s (now removed).\n' "$work"
