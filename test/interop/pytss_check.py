#!/usr/bin/python3
"""tpm2-pytss ESAPI check against one TPM: startup, pcr_extend, pcr_read, get_capability, get_random.

Prints one JSON object with what it observed; the mocha test compares it with independent
computation (hashlib here, node:crypto there) and with swtpm's answers.
usage: /usr/bin/python3 pytss_check.py TCTI
"""
import hashlib, json, sys
from tpm2_pytss import ESAPI, TPML_DIGEST_VALUES, TPMT_HA, TPMU_HA, TSS2_Exception
from tpm2_pytss.constants import TPM2_SU, TPM2_ALG, TPM2_RC, ESYS_TR, TPM2_CAP

out = {}
with ESAPI(sys.argv[1]) as e:
    try:
        e.startup(TPM2_SU.CLEAR)
        out["startup"] = "ok"
    except TSS2_Exception as x:
        if x.rc != TPM2_RC.INITIALIZE:
            raise
        out["startup"] = "already"
    d256 = hashlib.sha256(b"pytss").digest()
    d1 = hashlib.sha1(b"pytss").digest()
    e.pcr_extend(ESYS_TR.PCR16, TPML_DIGEST_VALUES([
        TPMT_HA(hashAlg=TPM2_ALG.SHA256, digest=TPMU_HA(sha256=d256)),
        TPMT_HA(hashAlg=TPM2_ALG.SHA1, digest=TPMU_HA(sha1=d1)),
    ]))
    counter, sel, values = e.pcr_read("sha1:16+sha256:16,23")
    out["pcrs"] = [bytes(v).hex() for v in values]
    out["expected"] = [
        hashlib.sha1(b"\0" * 20 + d1).hexdigest(),
        hashlib.sha256(b"\0" * 32 + d256).hexdigest(),
    ]
    PT_FIXED, PT_FAMILY_INDICATOR, PT_PCR_COUNT = 0x100, 0x100, 0x112   # Part 2, 6.13
    more, caps = e.get_capability(TPM2_CAP.TPM_PROPERTIES, PT_FIXED, 200)
    props = {int(p.property): int(p.value) for p in caps.data.tpmProperties}
    out["family"] = props.get(PT_FAMILY_INDICATOR)
    out["pcr_count"] = props.get(PT_PCR_COUNT)
    more, caps = e.get_capability(TPM2_CAP.PCRS, 0, 1)
    out["banks"] = sorted(int(s.hash) for s in caps.data.assignedPCR)
    out["random_len"] = len(bytes(e.get_random(32)))
print(json.dumps(out))
