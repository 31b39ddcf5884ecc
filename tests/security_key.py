"""A security key in software for the tests: it answers allauth's WebAuthn challenges with a real
P-256 key pair, as a USB key or a phone would, so the tests go through allauth's own views and
fido2's real checks (origin, challenge, relying party, signature) without a browser."""

import hashlib
import json
import os
import re

from allauth.mfa.models import Authenticator
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from fido2.cose import ES256
from fido2.utils import websafe_decode, websafe_encode
from fido2.webauthn import (
    Aaguid,
    AttestationObject,
    AttestedCredentialData,
    AuthenticatorData,
    CollectedClientData,
)

FLAGS = AuthenticatorData.FLAG
# The Django test client's host; a browser would only send it over https.
RP_ID = "testserver"
ORIGIN = f"https://{RP_ID}"


class SecurityKey:
    def __init__(self, *, rp_id: str = RP_ID, origin: str = ORIGIN):
        self.rp_id, self.origin = rp_id, origin
        self.private_key = ec.generate_private_key(ec.SECP256R1())
        self.credential_id = os.urandom(32)
        self.counter = 0

    def _auth_data(self, flags, credential_data: bytes = b"") -> AuthenticatorData:
        self.counter += 1
        rp_id_hash = hashlib.sha256(self.rp_id.encode()).digest()
        return AuthenticatorData.create(rp_id_hash, flags, self.counter, credential_data)

    def register(self, creation_options: dict) -> dict:
        """What the browser's navigator.credentials.create() returns, as JSON (webauthn-json)."""
        challenge = creation_options["publicKey"]["challenge"]
        client_data = CollectedClientData.create("webauthn.create", challenge, self.origin)
        public_key = ES256.from_cryptography_key(self.private_key.public_key())
        credential_data = AttestedCredentialData.create(Aaguid.NONE, self.credential_id, public_key)
        auth_data = self._auth_data(FLAGS.UP | FLAGS.UV | FLAGS.AT, credential_data)
        attestation = AttestationObject.create("none", auth_data, {})
        raw_id = websafe_encode(self.credential_id)
        return {
            "type": "public-key",
            "id": raw_id,
            "rawId": raw_id,
            "authenticatorAttachment": "cross-platform",
            "response": {
                "clientDataJSON": websafe_encode(client_data),
                "attestationObject": websafe_encode(attestation),
                "transports": ["usb"],
            },
            "clientExtensionResults": {"credProps": {"rk": False}},
        }

    def sign(self, request_options: dict) -> dict:
        """What navigator.credentials.get() returns for this key, as JSON (webauthn-json)."""
        challenge = request_options["publicKey"]["challenge"]
        client_data = CollectedClientData.create("webauthn.get", challenge, self.origin)
        auth_data = self._auth_data(FLAGS.UP | FLAGS.UV)
        signature = self.private_key.sign(
            bytes(auth_data) + hashlib.sha256(client_data).digest(), ec.ECDSA(hashes.SHA256())
        )
        raw_id = websafe_encode(self.credential_id)
        return {
            "type": "public-key",
            "id": raw_id,
            "rawId": raw_id,
            "authenticatorAttachment": "cross-platform",
            "response": {
                "clientDataJSON": websafe_encode(client_data),
                "authenticatorData": websafe_encode(auth_data),
                "signature": websafe_encode(signature),
                "userHandle": None,
            },
            "clientExtensionResults": {},
        }

    def enrol(self, user, name: str = "Blue key") -> Authenticator:
        """Store this key for the user as adding it on the website would (allauth keeps the
        registration response; the challenge it answered is of no further use)."""
        challenge = websafe_encode(os.urandom(32))
        credential = self.register({"publicKey": {"challenge": challenge}})
        return Authenticator.objects.create(
            user=user,
            type=Authenticator.Type.WEBAUTHN,
            data={"name": name, "credential": credential},
        )


def page_js_data(response) -> dict:
    """The WebAuthn options a page hands its script (json_script id="js_data")."""
    html = response.content.decode()
    found = re.search(r'<script id="js_data" type="application/json">(.*?)</script>', html, re.S)
    assert found, "the page carries no WebAuthn options"
    return json.loads(found.group(1))


def challenge_of(options: dict) -> bytes:
    return websafe_decode(options["publicKey"]["challenge"])
