#!/usr/bin/python3
"""tpm2-pytss ESAPI sessions against one TPM: create_primary, create, load and unseal through a
salted (ECC tpmKey), AES-128-CFB parameter-encrypted HMAC session, a bound XOR-obfuscating one, then through a PolicyPCR session,
and the refusal after the PCR changes.

Prints one JSON object with what it observed; the mocha test compares it with swtpm's.
usage: /usr/bin/python3 pytss_sessions.py TCTI
"""
import hashlib, json, sys
from tpm2_pytss import (ESAPI, TPM2B_AUTH, TPM2B_DIGEST, TPM2B_PUBLIC, TPM2B_SENSITIVE_CREATE, TPM2B_SENSITIVE_DATA,
                        TPML_DIGEST_VALUES, TPML_PCR_SELECTION, TPMS_SENSITIVE_CREATE, TPMT_HA, TPMT_PUBLIC, TPMT_SYM_DEF,
                        TPMU_HA, TSS2_Exception)
from tpm2_pytss.constants import ESYS_TR, TPM2_ALG, TPM2_RC, TPM2_SE, TPM2_SU, TPMA_OBJECT, TPMA_SESSION

AES128CFB = TPMT_SYM_DEF(algorithm=TPM2_ALG.AES)
AES128CFB.keyBits.aes = 128
AES128CFB.mode.aes = TPM2_ALG.CFB
NO_SYM = TPMT_SYM_DEF(algorithm=TPM2_ALG.NULL)
XOR_SHA256 = TPMT_SYM_DEF(algorithm=TPM2_ALG.XOR)
XOR_SHA256.keyBits.exclusiveOr = TPM2_ALG.SHA256


def sealed_template(policy=b"", user_with_auth=True):
    attrs = TPMA_OBJECT.FIXEDTPM | TPMA_OBJECT.FIXEDPARENT
    if user_with_auth:
        attrs |= TPMA_OBJECT.USERWITHAUTH
    pub = TPMT_PUBLIC(type=TPM2_ALG.KEYEDHASH, nameAlg=TPM2_ALG.SHA256, objectAttributes=attrs, authPolicy=TPM2B_DIGEST(policy))
    pub.parameters.keyedHashDetail.scheme.scheme = TPM2_ALG.NULL
    return TPM2B_PUBLIC(publicArea=pub)


def sensitive(data, auth=b""):
    return TPM2B_SENSITIVE_CREATE(TPMS_SENSITIVE_CREATE(userAuth=TPM2B_AUTH(auth), data=TPM2B_SENSITIVE_DATA(data)))


out = {}
with ESAPI(sys.argv[1]) as e:
    try:
        e.startup(TPM2_SU.CLEAR)
    except TSS2_Exception as x:
        if x.rc != TPM2_RC.INITIALIZE:
            raise
    e.pcr_reset(ESYS_TR.PCR23)
    primary, _, _, _, _ = e.create_primary(TPM2B_SENSITIVE_CREATE(), "ecc256")

    # salted with the ECC primary, parameters encrypted both ways (Create's inSensitive, Unseal's outData)
    hs = e.start_auth_session(tpm_key=primary, bind=ESYS_TR.NONE, session_type=TPM2_SE.HMAC, symmetric=AES128CFB, auth_hash=TPM2_ALG.SHA256)
    e.trsess_set_attributes(hs, TPMA_SESSION.CONTINUESESSION | TPMA_SESSION.DECRYPT | TPMA_SESSION.ENCRYPT)
    priv, pub, _, _, _ = e.create(primary, sensitive(b"pytss secret", b"objpw"), sealed_template(), session1=hs)
    obj = e.load(primary, priv, pub, session1=hs)
    e.tr_set_auth(obj, b"objpw")
    out["salted_unseal"] = bytes(e.unseal(obj, session1=hs)).decode()
    e.flush_context(hs)
    # XOR obfuscation of the response (a session bound to the object, unsalted)
    xs = e.start_auth_session(tpm_key=ESYS_TR.NONE, bind=obj, session_type=TPM2_SE.HMAC, symmetric=XOR_SHA256, auth_hash=TPM2_ALG.SHA256)
    e.trsess_set_attributes(xs, TPMA_SESSION.CONTINUESESSION | TPMA_SESSION.ENCRYPT)
    out["xor_unseal"] = bytes(e.unseal(obj, session1=xs)).decode()
    e.flush_context(xs)
    e.flush_context(obj)

    # PolicyPCR: a trial session gives the policy, a real one satisfies it
    trial = e.start_auth_session(ESYS_TR.NONE, ESYS_TR.NONE, TPM2_SE.TRIAL, NO_SYM, TPM2_ALG.SHA256)
    e.policy_pcr(trial, TPM2B_DIGEST(), TPML_PCR_SELECTION.parse("sha256:23"))
    policy = bytes(e.policy_get_digest(trial))
    e.flush_context(trial)
    out["pcr_policy"] = policy.hex()
    priv, pub, _, _, _ = e.create(primary, sensitive(b"pcr sealed"), sealed_template(policy, user_with_auth=False))
    obj = e.load(primary, priv, pub)

    def unseal_with_pcr_policy():
        ps = e.start_auth_session(ESYS_TR.NONE, ESYS_TR.NONE, TPM2_SE.POLICY, AES128CFB, TPM2_ALG.SHA256)
        try:
            e.policy_pcr(ps, TPM2B_DIGEST(), TPML_PCR_SELECTION.parse("sha256:23"))
            e.trsess_set_attributes(ps, TPMA_SESSION.CONTINUESESSION | TPMA_SESSION.ENCRYPT)
            return bytes(e.unseal(obj, session1=ps)).decode()
        except TSS2_Exception as x:
            return hex(x.rc)
        finally:
            e.flush_context(ps)

    out["policy_unseal"] = unseal_with_pcr_policy()
    d = hashlib.sha256(b"pcr change").digest()
    e.pcr_extend(ESYS_TR.PCR23, TPML_DIGEST_VALUES([TPMT_HA(hashAlg=TPM2_ALG.SHA256, digest=TPMU_HA(sha256=d))]))
    out["after_extend"] = unseal_with_pcr_policy()
    e.flush_context(obj)
    e.flush_context(primary)
print(json.dumps(out))
