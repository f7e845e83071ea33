/**
 * deploy/k8s/walcast.yaml: probes split into liveness (/health/live: a broker outage must not
 * restart the pod) and readiness (/health/ready), a state volume the image's `node` user can
 * write (fsGroup), one replica per slot, and a ConfigMap walcast accepts.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '../../../config/load';
import { dockerfileStages, k8sObjects, type K8sObject } from '../../support/deploy-files';

// uid and gid of `node` in the official node images (and so in deploy/Dockerfile's USER node).
const NODE_UID = 1000;
const NODE_GID = 1000;
const STATE_DIR = '/var/lib/walcast';

interface Probe { httpGet?: { path: string; port: string | number }; periodSeconds?: number; failureThreshold?: number }
interface Container {
  name: string; args?: string[]; ports?: { containerPort: number; name?: string }[];
  livenessProbe?: Probe; readinessProbe?: Probe; startupProbe?: Probe;
  volumeMounts?: { name: string; mountPath: string }[];
  securityContext?: { runAsUser?: number; allowPrivilegeEscalation?: boolean };
}
interface PodSpec {
  securityContext?: { fsGroup?: number; runAsUser?: number; runAsGroup?: number; runAsNonRoot?: boolean };
  containers: Container[];
  volumes: { name: string; persistentVolumeClaim?: { claimName: string }; configMap?: { name: string } }[];
}
interface Deployment extends K8sObject {
  spec: { replicas: number; strategy: { type: string }; template: { spec: PodSpec } };
}

const objects = k8sObjects();
const byKind = <T extends K8sObject>(kind: string): T[] => objects.filter((o) => o.kind === kind) as T[];
const [deployment] = byKind<Deployment>('Deployment');
const pod = deployment!.spec.template.spec;
const container = pod.containers.find((c) => c.name === 'walcast')!;

/** A probe's port resolved to a number (probes may name the container port). */
const probePort = (p: Probe | undefined) => {
  const port = p?.httpGet?.port;
  return typeof port === 'number' ? port : container.ports?.find((cp) => cp.name === port)?.containerPort;
};

test('one replica, replaced not rolled (a slot has one reader)', () => {
  expect(byKind('Deployment')).toHaveLength(1);
  expect(deployment!.spec.replicas).toBe(1);
  expect(deployment!.spec.strategy.type).toBe('Recreate');
});

test('liveness asks /health/live and readiness /health/ready, on walcast\'s HTTP port', () => {
  const config = loadConfig({ env: { WALCAST_NAME: 'x', WALCAST_SOURCE_URL: 'postgres://u@h/d' } });
  expect(container.livenessProbe?.httpGet?.path).toBe('/health/live');
  expect(container.readinessProbe?.httpGet?.path).toBe('/health/ready');
  for (const p of [container.livenessProbe, container.readinessProbe, container.startupProbe].filter(Boolean)) {
    expect(probePort(p)).toBe(config.http.port);
  }
  // A startup probe, when present, must not gate on readiness either.
  if (container.startupProbe) expect(container.startupProbe.httpGet?.path).toBe('/health/live');
});

test('the state volume is writable by the image\'s node user: fsGroup, and the pod runs as node', () => {
  expect(dockerfileStages().at(-1)!.instructions.filter((i) => i.keyword === 'USER').at(-1)?.args).toBe('node');
  expect(pod.securityContext).toMatchObject({ fsGroup: NODE_GID, runAsUser: NODE_UID, runAsNonRoot: true });
  const mount = container.volumeMounts?.find((m) => m.mountPath === STATE_DIR);
  expect(mount).toBeDefined();
  const volume = pod.volumes.find((v) => v.name === mount!.name);
  const claims = byKind<K8sObject & { spec: { accessModes: string[] } }>('PersistentVolumeClaim');
  expect(claims.map((c) => c.metadata.name)).toContain(volume?.persistentVolumeClaim?.claimName);
});

test('the ConfigMap holds a config walcast accepts, mounted where the args point', () => {
  const [configMap] = byKind<K8sObject & { data: Record<string, string> }>('ConfigMap');
  const args = container.args!;
  const path = args[args.indexOf('--config') + 1]!;
  const dir = path.slice(0, path.lastIndexOf('/'));
  const key = path.slice(dir.length + 1);
  const mount = container.volumeMounts?.find((m) => m.mountPath === dir);
  expect(pod.volumes.find((v) => v.name === mount?.name)?.configMap?.name).toBe(configMap!.metadata.name);
  const text = configMap!.data[key];
  expect(text).toBeDefined();
  const tmp = mkdtempSync(join(tmpdir(), 'walcast-k8s-'));
  try {
    writeFileSync(join(tmp, key), text!);
    // The source URL comes from the Secret at run time.
    expect(() => loadConfig({ file: join(tmp, key), env: { WALCAST_SOURCE_URL: 'postgres://u@h/d' } })).not.toThrow();
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
});

/** Kubernetes quantities as bytes (the binary suffixes the manifest uses). */
const bytes = (q: string): number => {
  const m = /^(\d+)(Ki|Mi|Gi)?$/.exec(q);
  if (!m) throw new Error(`quantity ${q}`);
  return Number(m[1]) * ({ Ki: 1024, Mi: 1024 ** 2, Gi: 1024 ** 3 }[m[2] as 'Ki' | 'Mi' | 'Gi'] ?? 1);
};

test('room to work: a memory limit well above the measured peak RSS, a volume larger than the spill quota, which is set', () => {
  const resources = (container as Container & { resources?: { limits?: { memory?: string } } }).resources;
  // README "Memory": peak RSS 160-200 MB; a limit near it gets the pod OOM-killed on a spike.
  expect(bytes(resources!.limits!.memory!)).toBeGreaterThanOrEqual(2 * 200 * 1024 ** 2);
  const [configMap] = byKind<K8sObject & { data: Record<string, string> }>('ConfigMap');
  const quota = (JSON.parse(Object.values(configMap!.data)[0]!) as { source: { streamSpillMaxBytes?: number } }).source.streamSpillMaxBytes;
  const [claim] = byKind<K8sObject & { spec: { resources: { requests: { storage: string } } } }>('PersistentVolumeClaim');
  // Without a quota, a large open transaction fills the volume: ENOSPC, a stop, and the same again after the restart.
  expect(quota).toBeGreaterThan(0);
  expect(bytes(claim!.spec.resources.requests.storage)).toBeGreaterThan(quota! + 64 * 1024 ** 2);
});
