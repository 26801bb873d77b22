import { spanAt } from '../../model/anchor';
import { isExternalHost } from '../../mesh/mesh';
import { defineRule, type RawFinding } from '../rule';
import { kindName, relatedTo } from './refs';

export const el210 = defineRule({
  id: 'EL210',
  name: 'tls-origination-unverified',
  severity: 'warning',
  docs: {
    summary: 'A DestinationRule originates TLS to an external host without saying how the server certificate is verified (a `credentialName` without `workloadSelector` counts for gateways only).',
    why: 'With `mode: SIMPLE` or `MUTUAL` and neither `caCertificates` nor `credentialName` (nor an explicit `insecureSkipVerify`), the proxy falls back to its default: since Istio 1.20 the system trust store, before that no verification at all, and none whenever the mesh sets `VERIFY_CERTIFICATE_AT_CLIENT` to false. State it, so that the TLS the egress path relies on is verified on every version. `credentialName` is read by gateways, and by sidecars only when the DestinationRule selects them with a `workloadSelector`: without one, sidecars ignore it. Reported as a warning when the mesh config in the workspace turns verification off, as info otherwise.',
    bad: `apiVersion: install.istio.io/v1alpha1
kind: IstioOperator
metadata:
  name: control-plane
  namespace: istio-system
spec:
  meshConfig:
    defaultConfig:
      proxyMetadata:
        VERIFY_CERTIFICATE_AT_CLIENT: "false"
---
apiVersion: networking.istio.io/v1
kind: ServiceEntry
metadata:
  name: cnn
  namespace: default
spec:
  hosts: [edition.cnn.com]
  ports:
  - {number: 443, name: https, protocol: HTTPS}
  resolution: DNS
---
apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata:
  name: originate-tls
  namespace: default
spec:
  host: edition.cnn.com
  trafficPolicy:
    tls:
      mode: SIMPLE
`,
    good: `apiVersion: install.istio.io/v1alpha1
kind: IstioOperator
metadata:
  name: control-plane
  namespace: istio-system
spec:
  meshConfig:
    defaultConfig:
      proxyMetadata:
        VERIFY_CERTIFICATE_AT_CLIENT: "false"
---
apiVersion: networking.istio.io/v1
kind: ServiceEntry
metadata:
  name: cnn
  namespace: default
spec:
  hosts: [edition.cnn.com]
  ports:
  - {number: 443, name: https, protocol: HTTPS}
  resolution: DNS
---
apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata:
  name: originate-tls
  namespace: default
spec:
  host: edition.cnn.com
  trafficPolicy:
    tls:
      mode: SIMPLE
      caCertificates: /etc/ssl/certs/ca-certificates.crt
`,
    fix: 'none',
    fixSafety: 'No automatic fix: the CA bundle or credential is specific to the destination.',
  },
  // The mesh alone.
  reads: ['mesh'],
  check(ctx) {
    const mesh = ctx.mesh;
    const out: RawFinding[] = [];
    const off = mesh.meshConfig.find((c) => c.verifyAtClient === false);
    for (const dr of mesh.destinationRules) {
      if (!dr.host || !isExternalHost(mesh, dr.host, dr.r.namespace)) continue;
      for (const t of dr.tls) {
        if (t.mode !== 'SIMPLE' && t.mode !== 'MUTUAL') continue;
        if (t.hasCa || (t.hasCredential && dr.hasWorkloadSelector) || t.insecureSkipVerify !== undefined) continue;
        const where = t.port !== undefined ? ` on port ${t.port}` : '';
        if (t.hasCredential) {
          // credentialName is read by gateways; sidecars only read it when the rule selects them by workloadSelector.
          out.push({
            uri: dr.r.uri,
            span: spanAt(dr.r, t.credentialPath ?? t.modePath),
            severity: off ? 'warning' : 'info',
            message: `credentialName applies at gateways only: sidecars ignore it unless the DestinationRule has a workloadSelector, so TLS that sidecars originate to ${dr.host}${where} ${off ? 'is not verified' : "relies on the proxy's default verification"}. Add a workloadSelector, or caCertificates.`,
            related: off ? [relatedTo(off.r, 'verification turned off here', off.path)] : undefined,
          });
          continue;
        }
        out.push({
          uri: dr.r.uri,
          span: spanAt(dr.r, t.modePath),
          severity: off ? 'warning' : 'info',
          message: off
            ? `TLS to ${dr.host}${where} is originated without verifying the server: ${kindName(off.r)} turns VERIFY_CERTIFICATE_AT_CLIENT off and this rule names no caCertificates or credentialName.`
            : `TLS to ${dr.host}${where} relies on the proxy's default verification (the system trust store since Istio 1.20, none before): set caCertificates or credentialName, or state insecureSkipVerify.`,
          related: off ? [relatedTo(off.r, 'verification turned off here', off.path)] : undefined,
        });
      }
    }
    return out;
  },
});
