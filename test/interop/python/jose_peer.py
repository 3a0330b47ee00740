"""JOSE peer for Sealwire's interop tests: runs Authlib or jwcrypto (Debian packages) on a batch of jobs.

Reads a JSON list of jobs on stdin, writes a JSON list of results on stdout. Each result is either
{"ok": ...} or {"error": "..."}. Binary payloads travel as base64url.
"""
import base64
import json
import sys

from authlib.jose import JsonWebEncryption, JsonWebKey
from jwcrypto import jwe as jwcrypto_jwe
from jwcrypto import jwk as jwcrypto_jwk


def b64d(text):
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def b64e(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def authlib_key(jwk):
    return JsonWebKey.import_key({k: v for k, v in jwk.items() if k not in ("alg", "use")})


def jwcrypto_key(jwk):
    return jwcrypto_jwk.JWK(**{k: v for k, v in jwk.items() if k not in ("alg", "use")})


def encrypt(job):
    payload = b64d(job["payload"])
    lib, recipients = job["lib"], job["recipients"]
    alg = job.get("alg")
    enc = job.get("enc", "A256GCM")
    if lib == "authlib":
        jwe = JsonWebEncryption()
        if job["serialization"] == "compact":
            return jwe.serialize_compact({"alg": alg, "enc": enc}, payload, authlib_key(recipients[0])).decode()
        # Authlib wants "alg" in the shared protected header for several recipients.
        header = {
            "protected": {"alg": alg, "enc": enc},
            "recipients": [{"header": {"kid": r.get("kid", "")}} for r in recipients],
        }
        return jwe.serialize_json(header, payload, [authlib_key(r) for r in recipients])
    if lib == "jwcrypto":
        if job["serialization"] == "compact":
            token = jwcrypto_jwe.JWE(payload, protected=json.dumps({"alg": alg, "enc": enc}))
            token.add_recipient(jwcrypto_key(recipients[0]))
            return token.serialize(compact=True)
        token = jwcrypto_jwe.JWE(payload, protected=json.dumps({"enc": enc}))
        for r in recipients:
            r_alg = "RSA-OAEP-256" if r["kty"] == "RSA" else (alg or "ECDH-ES+A256KW")
            token.add_recipient(jwcrypto_key(r), header=json.dumps({"alg": r_alg, "kid": r.get("kid", "")}))
        return json.loads(token.serialize())
    raise ValueError("unknown lib " + lib)


def decrypt(job):
    lib, key, token = job["lib"], job["key"], job["jwe"]
    if lib == "authlib":
        jwe = JsonWebEncryption()
        if isinstance(token, str):
            result = jwe.deserialize_compact(token, authlib_key(key))
        else:
            result = jwe.deserialize_json(token, authlib_key(key))
        return b64e(result["payload"])
    if lib == "jwcrypto":
        parsed = jwcrypto_jwe.JWE()
        parsed.deserialize(token if isinstance(token, str) else json.dumps(token), key=jwcrypto_key(key))
        return b64e(parsed.payload)
    raise ValueError("unknown lib " + lib)


def thumbprint(job):
    return jwcrypto_key(job["key"]).thumbprint()


def main():
    results = []
    for job in json.load(sys.stdin):
        try:
            op = {"encrypt": encrypt, "decrypt": decrypt, "thumbprint": thumbprint}[job["op"]]
            results.append({"ok": op(job)})
        except Exception as error:  # report per job; the test decides
            results.append({"error": "%s: %s" % (type(error).__name__, error)})
    json.dump(results, sys.stdout)


if __name__ == "__main__":
    main()
