/**
 * Lua health checks on the local control plane: a cert-manager-like Certificate (our own minimal CRD for
 * cert-manager.io/v1 with a status subresource) deployed by an Application is Progressing through
 * plumb's built-in check, Healthy once its Ready condition turns True; a user's Lua check in plumb-cm
 * overrides the built-in one; a script that loops forever yields Unknown.
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import type { Resources } from "../../src/cluster/resources.js";
import type { KubeObject } from "../../src/core/object.js";
import { startGitOpsWorld, type GitOpsWorld } from "../helpers/controller.js";
import { waitFor } from "../helpers/wait.js";

const NS = "certs";
const CRD: KubeObject = {
  apiVersion: "apiextensions.k8s.io/v1",
  kind: "CustomResourceDefinition",
  metadata: { name: "certificates.cert-manager.io" },
  spec: {
    group: "cert-manager.io",
    scope: "Namespaced",
    names: { plural: "certificates", singular: "certificate", kind: "Certificate", listKind: "CertificateList" },
    versions: [
      {
        name: "v1",
        served: true,
        storage: true,
        subresources: { status: {} },
        schema: { openAPIV3Schema: { type: "object", "x-kubernetes-preserve-unknown-fields": true } },
      },
    ],
  },
};

const CERTIFICATE = `apiVersion: cert-manager.io/v1
kind: Certificate
metadata:
  name: web-tls
spec:
  secretName: web-tls
  dnsNames: [web.certs.test]
  issuerRef: {kind: ClusterIssuer, name: internal-ca}
`;

interface ResourceHealth {
  kind: string;
  name: string;
  health?: { status: string; message?: string };
}

describe("Lua health checks", { timeout: 300_000 }, () => {
  let world: GitOpsWorld;
  let resources: Resources;

  const certHealth = async (): Promise<{ status: string; message?: string } | undefined> => {
    const app = await resources.get({ apiVersion: "plumb.dev/v1alpha1", kind: "Application", namespace: "plumb", name: "certs" });
    const list = ((app?.status as { resources?: ResourceHealth[] } | undefined)?.resources ?? []);
    return list.find((r) => r.kind === "Certificate")?.health;
  };
  const healthIs = (status: string, message?: RegExp) => async () => {
    const h = await certHealth();
    return h?.status === status && (!message || message.test(h.message ?? "")) ? h : undefined;
  };
  const setScript = async (script: string): Promise<void> => {
    await resources.apply({
      apiVersion: "v1",
      kind: "ConfigMap",
      metadata: { name: "plumb-cm", namespace: "plumb" },
      data: { "resource.customizations.health.cert-manager.io_Certificate": script },
    });
  };

  before(async () => {
    world = await startGitOpsWorld("e2e-lua-health", { customizations: { namespace: "plumb" } });
    resources = world.resources;
    await resources.apply(CRD);
    await waitFor("the Certificate CRD established", async () => {
      const crd = await resources.get({ apiVersion: "apiextensions.k8s.io/v1", kind: "CustomResourceDefinition", name: "certificates.cert-manager.io" });
      const conds = (crd?.status as { conditions?: Array<{ type: string; status: string }> } | undefined)?.conditions ?? [];
      return conds.some((c) => c.type === "Established" && c.status === "True");
    }, 30_000);
    world.wd.write({ "certs/certificate.yaml": CERTIFICATE });
    await world.wd.commit("a certificate");
    await world.wd.push();
    await resources.apply({
      apiVersion: "plumb.dev/v1alpha1",
      kind: "Application",
      metadata: { name: "certs", namespace: "plumb" },
      spec: {
        project: "default",
        source: { repoURL: world.repoURL, targetRevision: "main", path: "certs" },
        destination: { server: "https://kubernetes.default.svc", namespace: NS },
        syncPolicy: { automated: { prune: true }, syncOptions: ["CreateNamespace=true"] },
      },
    });
  });
  after(async () => {
    await world?.close();
  });

  it("a Certificate without a Ready condition is Progressing through the built-in check", async () => {
    const h = await waitFor("Certificate Progressing", healthIs("Progressing", /Waiting for the certificate/), 90_000);
    assert.equal(h.status, "Progressing");
  });

  it("is Healthy once its Ready condition turns True", async () => {
    await resources.client.request({
      method: "PATCH",
      path: `/apis/cert-manager.io/v1/namespaces/${NS}/certificates/web-tls/status`,
      contentType: "application/merge-patch+json",
      body: { status: { conditions: [{ type: "Ready", status: "True", reason: "Ready", message: "Certificate is up to date and has not expired" }] } },
    });
    const h = await waitFor("Certificate Healthy", healthIs("Healthy"), 60_000);
    assert.equal(h.message, "Certificate is up to date and has not expired");
  });

  it("a Lua check in plumb-cm overrides the built-in one", async () => {
    await setScript(`local hs = {}
for _, c in ipairs(obj.status.conditions) do
  if c.type == "Ready" and c.status == "True" then
    hs.status = "Degraded"
    hs.message = "custom check: " .. table.getn(obj.spec.dnsNames) .. " name(s), but no renewal window"
    return hs
  end
end
return { status = "Progressing", message = "custom check: not ready" }
`);
    const h = await waitFor("Certificate Degraded by the Lua check", healthIs("Degraded"), 60_000);
    assert.equal(h.message, "custom check: 1 name(s), but no renewal window");
  });

  it("a Lua check that loops forever yields Unknown", async () => {
    await setScript("while true do end");
    const h = await waitFor("Certificate Unknown", healthIs("Unknown"), 60_000);
    assert.match(h.message ?? "", /ran for more than 1000 ms/);
  });
});
