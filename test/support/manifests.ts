/** Small manifests that tests build their workspaces from. */

/** A Deployment `name` in namespace `ns`, its pods labelled `app: name`. */
export const deployment = (name: string, ns = 'shop'): string => `apiVersion: apps/v1
kind: Deployment
metadata: {name: ${name}, namespace: ${ns}}
spec:
  selector: {matchLabels: {app: ${name}}}
  template:
    metadata: {labels: {app: ${name}}}
    spec: {containers: [{name: c, image: i}]}
`;
