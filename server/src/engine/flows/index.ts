export * from './flow';
export { HubbleReader, hubbleFromObject, type ByteOps } from './hubble';
export { calicoFromObject, calicoLine } from './calico';
export { VpcReader, readPodAddresses, type PodAddress, type PodAddressMap } from './vpc';
export { detectFormat, lineReader, FORMAT_NAMES, type FlowFormat } from './format';
export { WorkloadMatcher, endpointName, type ResolvedEndpoint } from './match';
export { ObservedTraffic, evaluateConnection, connectionName, peersOf, MAX_REPORTED_ERRORS, type ObservedConnection, type ConnectionEnd, type ReplayVerdict, type UnknownEndpoint, type MalformedLine } from './replay';
export { synthesize, deniedByCluster, namesByNamespace, type SynthesisMechanism, type SynthesisOptions } from './synthesize';
export { recordsOf, endOf, matcherOf, MAX_OBSERVED_RECORDS, type ObservedConnectionRecord, type ObservedEndpointRecord } from './observed';
