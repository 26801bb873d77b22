/**
 * The Istio egress tasks of the corpus as the pages apply them: snippet sets per task and tab, each
 * snippet in the namespace its `kubectl apply -n` names, on top of the environment the pages assume
 * (the `curl` sample in `default`, with a sidecar).
 */
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { corpusDir } from '../conformance/corpus';

export const istioDir = path.join(corpusDir, 'istio-egress/yaml');

export interface SnippetSet {
  /** `page / section / tab` */
  name: string;
  files: string[];
  /** Workloads and namespaces the page assumes, as YAML. */
  environment?: string;
}

/** The pages' `curl` sample in a namespace. */
export function curlDeployment(namespace: string): string {
  return `apiVersion: apps/v1
kind: Deployment
metadata:
  name: curl
  namespace: ${namespace}
spec:
  selector:
    matchLabels: {app: curl}
  template:
    metadata:
      labels: {app: curl}
    spec:
      containers:
      - {name: curl, image: curlimages/curl}
`;
}

/** The environment every page assumes: `curl` in `default`, whose namespace injects sidecars. */
export const CURL_ENV = `apiVersion: v1
kind: Namespace
metadata:
  name: default
  labels:
    istio-injection: enabled
---
${curlDeployment('default')}`;

/** The mesh config fragment of egress-control, completed as the IstioOperator it belongs in. */
export const REGISTRY_ONLY_OPERATOR = `apiVersion: install.istio.io/v1alpha1
kind: IstioOperator
metadata:
  name: installed-state
  namespace: istio-system
`;

export const SETS: SnippetSet[] = [
  { name: 'egress-control / REGISTRY_ONLY, ServiceEntries and a timeout / Istio APIs', files: ['egress-control/01-common-fragment-spec.yaml', 'egress-control/02-common-serviceentry.yaml', 'egress-control/03-common-serviceentry.yaml', 'egress-control/04-istio-api-virtualservice.yaml'] },
  { name: 'egress-control / REGISTRY_ONLY, ServiceEntries and a timeout / Gateway API', files: ['egress-control/01-common-fragment-spec.yaml', 'egress-control/02-common-serviceentry.yaml', 'egress-control/03-common-serviceentry.yaml', 'egress-control/05-gateway-api-httproute.yaml'] },
  { name: 'egress-gateway / HTTP / Istio APIs', files: ['egress-gateway/02-common-serviceentry.yaml', 'egress-gateway/03-istio-api-gateway.yaml', 'egress-gateway/05-istio-api-virtualservice.yaml'] },
  { name: 'egress-gateway / HTTP / Gateway API', files: ['egress-gateway/02-common-serviceentry.yaml', 'egress-gateway/04-gateway-api-gateway.yaml', 'egress-gateway/06-gateway-api-httproute.yaml'] },
  { name: 'egress-gateway / HTTPS / Istio APIs', files: ['egress-gateway/07-common-serviceentry.yaml', 'egress-gateway/08-istio-api-gateway.yaml'] },
  { name: 'egress-gateway / HTTPS / Gateway API', files: ['egress-gateway/07-common-serviceentry.yaml', 'egress-gateway/09-gateway-api-gateway.yaml'] },
  { name: 'egress-gateway / HTTPS with network policies / Istio APIs', files: ['egress-gateway/07-common-serviceentry.yaml', 'egress-gateway/08-istio-api-gateway.yaml', 'egress-gateway/10-istio-api-networkpolicy.yaml', 'egress-gateway/12-istio-api-destinationrule.yaml'] },
  { name: 'egress-gateway / HTTPS with network policies / Gateway API', files: ['egress-gateway/07-common-serviceentry.yaml', 'egress-gateway/09-gateway-api-gateway.yaml', 'egress-gateway/11-gateway-api-networkpolicy.yaml'] },
  { name: 'egress-gateway-tls-origination / TLS origination / Istio APIs', files: ['egress-gateway-tls-origination/01-common-serviceentry.yaml', 'egress-gateway-tls-origination/02-istio-api-gateway.yaml', 'egress-gateway-tls-origination/04-istio-api-virtualservice.yaml', 'egress-gateway-tls-origination/06-common-destinationrule.yaml'] },
  { name: 'egress-gateway-tls-origination / TLS origination / Gateway API', files: ['egress-gateway-tls-origination/01-common-serviceentry.yaml', 'egress-gateway-tls-origination/03-gateway-api-gateway.yaml', 'egress-gateway-tls-origination/05-gateway-api-httproute.yaml', 'egress-gateway-tls-origination/06-common-destinationrule.yaml'] },
  { name: 'egress-gateway-tls-origination / mutual TLS origination / Istio APIs', files: ['egress-gateway-tls-origination/08-common-service.yaml', 'egress-gateway-tls-origination/09-istio-api-gateway.yaml', 'egress-gateway-tls-origination/11-istio-api-virtualservice.yaml', 'egress-gateway-tls-origination/13-istio-api-destinationrule.yaml'] },
  { name: 'egress-gateway-tls-origination / mutual TLS origination / Gateway API', files: ['egress-gateway-tls-origination/08-common-service.yaml', 'egress-gateway-tls-origination/10-gateway-api-gateway.yaml', 'egress-gateway-tls-origination/12-gateway-api-virtualservice.yaml', 'egress-gateway-tls-origination/14-gateway-api-destinationrule.yaml'] },
  { name: 'egress-kubernetes-services / ExternalName service', files: ['egress-kubernetes-services/01-common-service.yaml', 'egress-kubernetes-services/02-common-destinationrule.yaml'] },
  { name: 'egress-kubernetes-services / service with endpoints', files: ['egress-kubernetes-services/03-common-service.yaml', 'egress-kubernetes-services/04-common-endpoints.yaml', 'egress-kubernetes-services/05-common-destinationrule.yaml'] },
  { name: 'egress-tls-origination / access an external service', files: ['egress-tls-origination/01-common-serviceentry.yaml'] },
  { name: 'egress-tls-origination / TLS origination', files: ['egress-tls-origination/02-common-serviceentry.yaml'] },
  { name: 'egress-tls-origination / mutual TLS origination at the sidecar', files: ['egress-tls-origination/04-common-service.yaml', 'egress-tls-origination/05-common-serviceentry.yaml'] },
  { name: 'http-proxy / TCP ServiceEntry for an HTTPS proxy', files: ['http-proxy/02-common-deployment.yaml', 'http-proxy/03-common-serviceentry.yaml'] },
  { name: 'wildcard-egress-hosts / direct / any tab', files: ['wildcard-egress-hosts/01-common-serviceentry.yaml'] },
  { name: 'wildcard-egress-hosts / egress gateway / Istio APIs', files: ['wildcard-egress-hosts/02-istio-api-gateway.yaml', 'wildcard-egress-hosts/04-common-serviceentry.yaml'] },
  { name: 'wildcard-egress-hosts / egress gateway / Gateway API', files: ['wildcard-egress-hosts/03-gateway-api-gateway.yaml', 'wildcard-egress-hosts/04-common-serviceentry.yaml'] },
];

/** A snippet as the page applies it: header comments kept, the `-n` namespace of its command written in. */
export function snippet(file: string): string {
  let text = readFileSync(path.join(istioDir, file), 'utf8');
  if (file.endsWith('fragment-spec.yaml')) text = text.replace(/^spec:/m, `${REGISTRY_ONLY_OPERATOR}spec:`);
  const ns = /^# command:.*\s-n\s+([a-z0-9-]+)/m.exec(text)?.[1];
  if (ns) text = text.replace(/^metadata:\n(?!\s+namespace:)/gm, `metadata:\n  namespace: ${ns}\n`);
  return text;
}

export function setSources(set: SnippetSet, environment = CURL_ENV): { uri: string; text: string }[] {
  const out = set.files.map((f) => ({ uri: `file://${path.join(istioDir, f)}`, text: snippet(f) }));
  out.push({ uri: 'file:///environment/curl.yaml', text: environment });
  return out;
}
