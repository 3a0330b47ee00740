#!/usr/bin/env bash
# Installs the Debian packages the test suite drives as real peers. Idempotent: checks first, installs
# only what is missing, with apt-get when root; otherwise says exactly what to run and fails.
set -euo pipefail

PACKAGES=(
  python3-authlib    # JOSE interop (Authlib)
  python3-jwcrypto   # JOSE interop (jwcrypto)
  openssl            # fingerprint checks
  python3-autobahn   # WAMP interop (Autobahn|Python: cryptobox, cryptosign)
  python3-nacl       # WAMP cryptobox (PyNaCl)
  python3-twisted    # Autobahn|Python dependency
  python3-msgpack    # wamp.2.msgpack in Autobahn|Python
  python3-cbor2      # wamp.2.cbor in Autobahn|Python (imports cbor2)
  nats-server        # field encryption over NATS JetStream (test/fields/nats-jetstream.test.ts)
  age                # the reference age (Go) for age v1 interop (test/interop/age*.test.ts)
  bsdutils           # script(1): a real pseudo-terminal for prompts, progress bars and colour tests
  zsh                # shell completion test (test/cli/completion.test.ts)
  fish               # shell completion test (test/cli/completion.test.ts)
)

missing=()
for pkg in "${PACKAGES[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'install ok installed'; then
    missing+=("$pkg")
  fi
done

if [ ${#missing[@]} -eq 0 ]; then
  echo "peers: all ${#PACKAGES[@]} Debian packages present"
  exit 0
fi

echo "peers: installing ${missing[*]}"
if [ "$(id -u)" -ne 0 ]; then
  echo "peers: not root; run: sudo apt-get update && sudo apt-get install -y ${missing[*]}" >&2
  exit 1
fi
export DEBIAN_FRONTEND=noninteractive
# Update the index only when an install fails without it (a fresh machine has an empty index).
if ! apt-get install -y -o DPkg::Lock::Timeout=300 --no-install-recommends "${missing[@]}" >/tmp/sealwire-peers.log 2>&1; then
  apt-get update >>/tmp/sealwire-peers.log 2>&1
  if ! apt-get install -y -o DPkg::Lock::Timeout=300 --no-install-recommends "${missing[@]}" >>/tmp/sealwire-peers.log 2>&1; then
    echo "peers: apt-get failed; see /tmp/sealwire-peers.log" >&2
    tail -n 20 /tmp/sealwire-peers.log >&2
    exit 1
  fi
fi
echo "peers: installed ${missing[*]}"
