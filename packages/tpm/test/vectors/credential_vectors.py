#!/usr/bin/python3
"""Known-answer vectors for credential.test.ts and duplication.test.ts, computed by an independent
implementation: tpm2-pytss 1.2.0 (tpm2_pytss.utils.make_credential, wrap, unwrap) on
python3-cryptography 38. Run with /usr/bin/python3 > credentialVectors.ts.

pytss draws the seed inside _generate_seed; to get byte-exact vectors it is wrapped so the seed
(and its encryption, made by pytss' own code) is recorded, and for RSA a fixed seed is sealed
with OAEP by python3-cryptography. ECC seeds come from pytss' real ephemeral ECDH + KDFe.
Every vector is also checked here with pytss' own inverse (unwrap / KDFe from the private key)."""
import hashlib, json
from cryptography.hazmat.primitives.asymmetric import ec, rsa, padding
from cryptography.hazmat.primitives import hashes, serialization
import tpm2_pytss.utils as U
from tpm2_pytss.internal import crypto as C
from tpm2_pytss.types import (TPMT_PUBLIC, TPM2B_PUBLIC, TPM2B_SENSITIVE, TPMT_SYM_DEF_OBJECT, TPM2B_NAME)
from tpm2_pytss.constants import TPM2_ALG, TPMA_OBJECT

h = lambda s: hashlib.sha256(s.encode()).digest()
pem = lambda k: k.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
STORAGE = TPMA_OBJECT.RESTRICTED | TPMA_OBJECT.DECRYPT | TPMA_OBJECT.USERWITHAUTH | TPMA_OBJECT.SENSITIVEDATAORIGIN
out = {}

# Record the seed pytss seals; for RSA seal a fixed seed instead of a random one.
recorded = {}
real_generate_seed = U._generate_seed
def generate_seed(public, label):
    if public.type == TPM2_ALG.RSA and 'fixed' in recorded:
        key = C.public_to_key(public)
        seed = recorded.pop('fixed')
        enc = key.encrypt(seed, padding.OAEP(padding.MGF1(hashes.SHA256()), hashes.SHA256(), label))
    else:
        seed, enc = real_generate_seed(public, label)
    recorded['seed'] = seed
    return seed, enc
U._generate_seed = generate_seed

def key_pair(key, attrs, symmetric='aes128cfb'):
    pub = TPMT_PUBLIC.from_pem(key.public_key().public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo),
                               objectAttributes=attrs, symmetric=symmetric)
    sens = TPM2B_SENSITIVE.from_pem(pem(key))
    return pub, sens

rsa_key = rsa.generate_private_key(65537, 2048)
ecc_key = ec.derive_private_key(int.from_bytes(h('ecc protector'), 'big') % (2**255), ec.SECP256R1())
rsa_pub, rsa_sens = key_pair(rsa_key, STORAGE)
ecc_pub, ecc_sens = key_pair(ecc_key, STORAGE)
protectors = {'rsa': (rsa_pub, rsa_sens), 'ecc': (ecc_pub, ecc_sens)}
out['protectors'] = {k: {'public': p.marshal().hex(), 'sensitive': s.sensitiveArea.marshal().hex()} for k, (p, s) in protectors.items()}

# The object credentials are made for and that gets duplicated: an ECC P-256 ECDSA signing key
child_key = ec.derive_private_key(int.from_bytes(h('duplicated key'), 'big') % (2**255), ec.SECP256R1())
child_pub, child_sens = key_pair(child_key, TPMA_OBJECT.SIGN_ENCRYPT | TPMA_OBJECT.USERWITHAUTH, symmetric=None)
child_pub.parameters.eccDetail.scheme.scheme = TPM2_ALG.ECDSA
child_pub.parameters.eccDetail.scheme.details.ecdsa.hashAlg = TPM2_ALG.SHA256
child_sens.sensitiveArea.authValue = b'childpw'
child = TPM2B_PUBLIC(publicArea=child_pub)

# MakeCredential (Part 1, 24): a credential for that key's Name under each protector
ak_name = bytes(child.get_name())
credential = b'vtpm credential secret!'
out['credential'] = {'objectName': ak_name.hex(), 'credential': credential.hex()}
for k, (pub, sens) in protectors.items():
    recorded['fixed'] = h('identity seed')
    blob, secret = U.make_credential(pub, credential, TPM2B_NAME(ak_name))
    seed = recorded['seed']
    # pytss' inverse: the seed back from the secret with the private key
    assert C._secret_to_seed(sens.sensitiveArea, pub, b'IDENTITY\x00', bytes(secret.secret)) == seed
    out['credential'][k] = {'seed': seed.hex(), 'secret': bytes(secret.secret).hex(), 'credentialBlob': bytes(blob.credential).hex()}

# Duplication (Part 1, 23.3.2): an ECC signing key wrapped for each new parent, with and without an inner wrapper
inner_key = bytes(range(16))
aes128cfb = TPMT_SYM_DEF_OBJECT(algorithm=TPM2_ALG.AES)
aes128cfb.keyBits.aes = 128
aes128cfb.mode.aes = TPM2_ALG.CFB
out['duplication'] = {'objectPublic': child_pub.marshal().hex(), 'name': bytes(child.get_name()).hex(),
                      'sensitive': child_sens.sensitiveArea.marshal().hex(), 'innerKey': inner_key.hex()}
for k, (pub, sens) in protectors.items():
    for wrapper, symkey, symdef in [('inner', inner_key, aes128cfb), ('outerOnly', None, None)]:
        recorded['fixed'] = h('duplicate seed')
        enckey, dup, symseed = U.wrap(pub, child, child_sens, symkey, symdef)
        back = U.unwrap(pub, sens.sensitiveArea, child, dup, symseed, symkey, symdef)
        assert back.marshal() == child_sens.marshal()
        out['duplication'][f'{k}_{wrapper}'] = {'seed': recorded['seed'].hex(), 'inSymSeed': bytes(symseed.secret).hex(), 'duplicate': bytes(dup).hex()}

print('// Generated by credential_vectors.py (tpm2-pytss 1.2.0 make_credential/wrap/unwrap, python3-cryptography 38).')
print('// The RSA protector is fresh each run; ECC keys are fixed; seeds are recorded from pytss (RSA: a fixed seed sealed with OAEP).')
print('export const CREDENTIAL_VECTORS = ' + json.dumps(out, indent=2) + ' as const;')
