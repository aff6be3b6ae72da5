#!/usr/bin/env python3
"""deploy/sxsdoctor-indexed-job.yaml: the keys the Kubernetes schema requires of a ConfigMap
and an Indexed Job (no schema checker such as kubeconform is packaged in Debian 12, and
kubectl --dry-run needs a cluster), the hardening the README promises, and the pod's script
itself: run with sh for each JOB_COMPLETION_INDEX over sample images, it must analyse the
matching line of the list.
usage: k8s_manifest.py MANIFEST SXSDOCTOR WORK IMAGE..."""
import json
import os
import re
import shutil
import subprocess
import sys

try:
    import yaml
except ImportError:
    print("SKIP: python3-yaml is not installed")
    sys.exit(77)

manifest, binary, work, images = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4:]
errors = []


def need(cond, what):
    if not cond:
        errors.append(what)
    return cond


def get(d, path):
    for k in path.split("."):
        if not isinstance(d, dict) or k not in d:
            return None
        d = d[k]
    return d


docs = [d for d in yaml.safe_load_all(open(manifest, encoding="utf-8")) if d is not None]
by_kind = {d.get("kind"): d for d in docs}
for d in docs:
    for key in ("apiVersion", "kind", "metadata"):
        need(key in d, f"a document has no {key}")
    need(re.fullmatch(r"[a-z0-9]([-a-z0-9]*[a-z0-9])?", get(d, "metadata.name") or "")
         is not None, f"{d.get('kind')}: metadata.name is not a DNS-1123 label")
cm, job = by_kind.get("ConfigMap"), by_kind.get("Job")
if not need(cm and job, "the manifest needs a ConfigMap and a Job"):
    sys.exit("\n".join(errors))
need(cm["apiVersion"] == "v1", "ConfigMap apiVersion is not v1")
need(job["apiVersion"] == "batch/v1", "Job apiVersion is not batch/v1")
lst = (cm.get("data") or {}).get("evidence.list")
need(isinstance(lst, str), "ConfigMap data['evidence.list'] is missing")
n = len([l for l in (lst or "").splitlines() if l.strip()])

spec = job.get("spec", {})
need(spec.get("completionMode") == "Indexed", "spec.completionMode is not Indexed")
need(spec.get("completions") == n, f"spec.completions {spec.get('completions')} != {n} list lines")
need(isinstance(spec.get("parallelism"), int) and spec["parallelism"] >= 1, "spec.parallelism")
if "podFailurePolicy" in spec:
    need(spec.get("backoffLimitPerIndex") is not None or all(
        r.get("action") != "FailIndex" for r in spec["podFailurePolicy"].get("rules", [])),
        "podFailurePolicy FailIndex needs spec.backoffLimitPerIndex")
    for r in spec["podFailurePolicy"].get("rules", []):
        need(r.get("action") in ("FailJob", "FailIndex", "Ignore", "Count"),
             f"podFailurePolicy action {r.get('action')}")
        codes = r.get("onExitCodes")
        need(codes is None or (codes.get("operator") in ("In", "NotIn")
                               and all(isinstance(v, int) for v in codes.get("values", []))),
             "podFailurePolicy onExitCodes: operator In/NotIn and integer values")
pod = get(job, "spec.template.spec") or {}
need(pod.get("restartPolicy") in ("Never", "OnFailure"), "a Job pod's restartPolicy must be Never or OnFailure")
need(get(pod, "securityContext.runAsNonRoot") is True, "pod securityContext.runAsNonRoot is not true")
need(isinstance(get(pod, "securityContext.runAsUser"), int) and pod["securityContext"]["runAsUser"] != 0,
     "pod runs as uid 0 or has no runAsUser")
containers = pod.get("containers") or []
need(len(containers) == 1, "one container")
volumes = {v.get("name"): v for v in pod.get("volumes") or []}
script = None
for c in containers:
    need(c.get("name") and c.get("image"), "container name and image are required")
    sc = c.get("securityContext") or {}
    need(sc.get("readOnlyRootFilesystem") is True, "readOnlyRootFilesystem is not true")
    need(sc.get("allowPrivilegeEscalation") is False, "allowPrivilegeEscalation is not false")
    need(not sc.get("privileged"), "the container is privileged")
    need("ALL" in (get(sc, "capabilities.drop") or []), "capabilities are not all dropped")
    need(get(c, "resources.limits.memory") is not None, "no memory limit")
    for m in c.get("volumeMounts") or []:
        need(m.get("readOnly") is True, f"volumeMount {m.get('name')} is not readOnly")
        need(m.get("name") in volumes, f"volumeMount {m.get('name')} names no volume")
    script = " ".join(c.get("args") or [])
    need("JOB_COMPLETION_INDEX" in script, "the container does not use JOB_COMPLETION_INDEX")
    need("sxsdoctor --json" in script, "the container does not run sxsdoctor --json")
for name, v in volumes.items():
    pvc = v.get("persistentVolumeClaim")
    if pvc is not None:
        need(pvc.get("claimName") and pvc.get("readOnly") is True,
             f"volume {name}: the PVC is not mounted readOnly")
    if "hostPath" in v:
        need(False, f"volume {name}: hostPath in the default manifest")
    if "configMap" in v:
        need(get(v, "configMap.name") == cm["metadata"]["name"], f"volume {name} names another ConfigMap")
if errors:
    sys.exit("\n".join(errors))

# the pod's script, for real: sxsdoctor on PATH, the list pointing at sample images
shutil.rmtree(work, ignore_errors=True)
os.makedirs(os.path.join(work, "bin"))
os.symlink(os.path.abspath(binary), os.path.join(work, "bin", "sxsdoctor"))
listfile = os.path.join(work, "evidence.list")
with open(listfile, "w") as f:
    f.write("".join(p + "\n" for p in images))
local = script.replace("/etc/sxsdoctor/evidence.list", listfile)
env = dict(os.environ, PATH=os.path.join(work, "bin") + ":" + os.environ["PATH"])
for i, img in enumerate(images):
    single = subprocess.run([binary, "--json", "--no-progress", img], capture_output=True, env=env)
    p = subprocess.run(["sh", "-c", local], capture_output=True,
                       env=dict(env, JOB_COMPLETION_INDEX=str(i)))
    want = 0 if single.returncode in (0, 1) else single.returncode
    need(p.returncode == want, f"index {i}: pod script exits {p.returncode}, want {want}")
    need(p.stdout == single.stdout, f"index {i}: pod script output differs from sxsdoctor on {img}")
    status = json.loads(p.stdout)["verdict"]["status"]
    print(f"index {i}: {img}: {status}, pod exit {p.returncode}")
p = subprocess.run(["sh", "-c", local], capture_output=True,
                   env=dict(env, JOB_COMPLETION_INDEX=str(len(images))))
need(p.returncode == 2 and b"no line" in p.stderr, "an index past the list must fail with exit 2")
if errors:
    sys.exit("\n".join(errors))
print(f"{manifest}: Indexed Job of {n} completions, hardened, the pod script maps each index")
