#!/usr/bin/python3
"""tpm2-pytss against one TPM, cross-checking the TPM's credential and duplication formats with
pytss' own software implementations (tpm2_pytss.utils make_credential, wrap, unwrap):
  1. pytss make_credential for the TPM's EK-style key -> ESAPI ActivateCredential gives it back;
  2. ESAPI Duplicate (inner AES-128-CFB, TPM-drawn key) to a software RSA parent -> pytss unwrap
     recovers a private key that matches the duplicated key's public area;
  3. pytss wrap of a software ECC key for the TPM's SRK -> ESAPI Import, Load, Sign -> the
     signature verifies with python3-cryptography.

Prints one JSON object; the mocha test compares vtpm's with swtpm's.
usage: /usr/bin/python3 pytss_duplication.py TCTI
"""
import hashlib, json, sys
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature
from tpm2_pytss import (ESAPI, TPM2B_DATA, TPM2B_DIGEST, TPM2B_PUBLIC, TPM2B_SENSITIVE, TPM2B_SENSITIVE_CREATE, TPMT_PUBLIC,
                        TPMT_SIG_SCHEME, TPMT_SYM_DEF, TPMT_SYM_DEF_OBJECT, TPMT_TK_HASHCHECK, TSS2_Exception)
from tpm2_pytss.constants import ESYS_TR, TPM2_CAP, TPM2_HC, TPM2_ALG, TPM2_CC, TPM2_RH, TPM2_SE, TPM2_ST, TPM2_SU, TPMA_OBJECT
from tpm2_pytss.utils import make_credential, unwrap, wrap

AES128CFB = TPMT_SYM_DEF_OBJECT(algorithm=TPM2_ALG.AES)
AES128CFB.keyBits.aes = 128
AES128CFB.mode.aes = TPM2_ALG.CFB
STORAGE = "fixedtpm|fixedparent|sensitivedataorigin|userwithauth|restricted|decrypt|noda"
pem_of = lambda k: k.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
pub_pem = lambda k: k.public_key().public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)

out = {}
with ESAPI(sys.argv[1]) as e:
    try:
        e.startup(TPM2_SU.CLEAR)
    except TSS2_Exception:
        pass  # already started
    more, caps = e.get_capability(TPM2_CAP.HANDLES, TPM2_HC.TRANSIENT_FIRST, 3)
    for h in caps.data.handles:  # no resource manager: start with free object slots
        e.flush_context(e.tr_from_tpmpublic(h))

    # 1. credential: pytss make_credential for an RSA storage primary in the endorsement hierarchy
    ek, ek_pub, _, _, _ = e.create_primary(TPM2B_SENSITIVE_CREATE(), TPM2B_PUBLIC(publicArea=TPMT_PUBLIC.parse("rsa2048:aes128cfb", objectAttributes=STORAGE)), primary_handle=ESYS_TR.ENDORSEMENT)
    ak, ak_pub, _, _, _ = e.create_primary(TPM2B_SENSITIVE_CREATE(), TPM2B_PUBLIC(publicArea=TPMT_PUBLIC.parse("ecc256:ecdsa-sha256:null", objectAttributes="fixedtpm|fixedparent|sensitivedataorigin|userwithauth|restricted|sign|noda")))
    blob, secret = make_credential(ek_pub, b"pytss credential", ak_pub.get_name())
    cert = e.activate_credential(ak, ek, blob, secret, session1=ESYS_TR.PASSWORD, session2=ESYS_TR.PASSWORD)
    out["activated"] = bytes(cert).decode()
    e.flush_context(ek)
    e.flush_context(ak)

    # 2. Duplicate to a software RSA parent, opened with pytss unwrap
    srk, srk_pub, _, _, _ = e.create_primary(TPM2B_SENSITIVE_CREATE(), TPM2B_PUBLIC(publicArea=TPMT_PUBLIC.parse("rsa2048:aes128cfb", objectAttributes=STORAGE)))
    parent_key = rsa.generate_private_key(65537, 2048)
    parent_pub = TPMT_PUBLIC.from_pem(pub_pem(parent_key), objectAttributes="restricted|decrypt|userwithauth", symmetric=AES128CFB)
    parent_priv = TPM2B_SENSITIVE.from_pem(pem_of(parent_key)).sensitiveArea
    policy = hashlib.sha256(bytes(32) + int(TPM2_CC.PolicyCommandCode).to_bytes(4, "big") + int(TPM2_CC.Duplicate).to_bytes(4, "big")).digest()
    dk_templ = TPMT_PUBLIC.parse("ecc256:ecdsa-sha256:null", objectAttributes="sensitivedataorigin|userwithauth|sign|noda")
    dk_templ.authPolicy = TPM2B_DIGEST(policy)
    dk_priv, dk_pub, _, _, _ = e.create(srk, TPM2B_SENSITIVE_CREATE(), TPM2B_PUBLIC(publicArea=dk_templ))
    dk = e.load(srk, dk_priv, dk_pub)
    np = e.load_external(TPM2B_PUBLIC(publicArea=parent_pub), hierarchy=ESYS_TR.OWNER)
    sym = TPMT_SYM_DEF(algorithm=TPM2_ALG.NULL)
    session = e.start_auth_session(ESYS_TR.NONE, ESYS_TR.NONE, TPM2_SE.POLICY, sym, TPM2_ALG.SHA256)
    e.policy_command_code(session, TPM2_CC.Duplicate)
    key_out, duplicate, seed = e.duplicate(dk, np, TPM2B_DATA(), AES128CFB, session1=session)
    e.flush_context(session)
    sens = unwrap(parent_pub, parent_priv, dk_pub, duplicate, seed, bytes(key_out), AES128CFB).sensitiveArea
    d = int.from_bytes(bytes(sens.sensitive.ecc), "big")
    q = ec.derive_private_key(d, ec.SECP256R1()).public_key().public_numbers()
    u = dk_pub.publicArea.unique.ecc
    out["unwrapped_matches"] = q.x == int.from_bytes(bytes(u.x), "big") and q.y == int.from_bytes(bytes(u.y), "big")
    out["inner_key_size"] = len(bytes(key_out))
    e.flush_context(dk)
    e.flush_context(np)

    # 3. pytss wrap for the SRK -> Import, Load, Sign
    soft = ec.generate_private_key(ec.SECP256R1())
    soft_pub = TPMT_PUBLIC.from_pem(pub_pem(soft), objectAttributes="userwithauth|sign|noda")
    soft_pub.parameters.eccDetail.scheme.scheme = TPM2_ALG.ECDSA
    soft_pub.parameters.eccDetail.scheme.details.ecdsa.hashAlg = TPM2_ALG.SHA256
    soft_sens = TPM2B_SENSITIVE.from_pem(pem_of(soft))
    for label, symkey, symdef in (("import_inner", bytes(range(16)), AES128CFB), ("import_outer_only", None, None)):
        enckey, dup, symseed = wrap(srk_pub.publicArea, TPM2B_PUBLIC(publicArea=soft_pub), soft_sens, symkey, symdef)
        priv = e.import_(srk, enckey, TPM2B_PUBLIC(publicArea=soft_pub), dup, symseed, symdef or TPMT_SYM_DEF_OBJECT(algorithm=TPM2_ALG.NULL))
        key = e.load(srk, priv, TPM2B_PUBLIC(publicArea=soft_pub))
        digest = hashlib.sha256(b"imported by pytss").digest()
        validation = TPMT_TK_HASHCHECK(tag=TPM2_ST.HASHCHECK, hierarchy=TPM2_RH.NULL)
        sig = e.sign(key, TPM2B_DIGEST(digest), TPMT_SIG_SCHEME(scheme=TPM2_ALG.NULL), validation)
        der = encode_dss_signature(int.from_bytes(bytes(sig.signature.ecdsa.signatureR), "big"), int.from_bytes(bytes(sig.signature.ecdsa.signatureS), "big"))
        soft.public_key().verify(der, b"imported by pytss", ec.ECDSA(hashes.SHA256()))  # raises when it does not verify
        out[label] = "signature verifies"
        e.flush_context(key)
    e.flush_context(srk)

print(json.dumps(out, sort_keys=True))
