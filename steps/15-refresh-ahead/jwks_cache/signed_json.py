"""What Redis holds: a key set as JSON with an integrity tag, never a pickle, which
runs whatever code its bytes name as it loads. The tag is checked before anything."""

import json

from django.core.signing import BadSignature, Signer

from jwks_cache.key_set import PROVIDER_ERRORS, KeySet


class RefusedEntry(Exception):
    """What Redis holds under the key set's name is not an entry this fleet wrote."""


class SignedJSON:
    """Key sets to and from the signed JSON that Redis holds."""

    def __init__(self, signer: Signer) -> None:
        self.signer = signer

    def dumps(self, key_set: KeySet) -> str:
        entry = [
            key_set.jwks,
            key_set.downloaded_at,
            key_set.fresh_for,
            key_set.cache_control,
        ]
        return self.signer.sign(json.dumps(entry))

    def loads(self, stored: str) -> KeySet:
        try:
            entry = json.loads(self.signer.unsign(stored))
        except BadSignature as error:
            raise RefusedEntry("its integrity tag does not match") from error
        try:
            return KeySet.parse(*entry)
        except (*PROVIDER_ERRORS, TypeError) as error:
            # Tagged with our key, yet no usable entry: refused all the same.
            raise RefusedEntry(f"it holds no usable key set ({error})") from error
