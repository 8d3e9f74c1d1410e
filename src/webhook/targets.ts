import { lookup } from 'node:dns/promises';
import { BlockList, isIP } from 'node:net';
import { DealflowError } from '../model/errors.js';
import { describeValue } from '../model/input.js';

/**
 * Which addresses a webhook may be posted to. Rule text names webhook URLs, so without a check a
 * rule could point one at the cloud metadata service (169.254.169.254) or anything else the
 * host's network reaches. Link-local addresses are refused by default; hosts add their own allow
 * and deny lists of names and ranges, `deny: PRIVATE_NETWORKS` closing every private range.
 */

/** Link-local ranges, refused unless an `allow` range names them: the cloud metadata service lives here. */
export const LINK_LOCAL_NETWORKS: ReadonlyArray<string> = Object.freeze(['169.254.0.0/16', 'fe80::/10']);

/**
 * Every range that is not the public internet: loopback, private (RFC 1918), carrier-grade NAT,
 * link-local, unique-local, multicast, reserved and "this network". `targets: { deny: PRIVATE_NETWORKS }`
 * lets webhooks reach public addresses only.
 */
export const PRIVATE_NETWORKS: ReadonlyArray<string> = Object.freeze([
  '0.0.0.0/8',
  '10.0.0.0/8',
  '100.64.0.0/10',
  '127.0.0.0/8',
  '169.254.0.0/16',
  '172.16.0.0/12',
  '192.0.0.0/24',
  '192.168.0.0/16',
  '198.18.0.0/15',
  '224.0.0.0/4',
  '240.0.0.0/4',
  '::/128',
  '::1/128',
  'fc00::/7',
  'fe80::/10',
  'ff00::/8',
]);

/**
 * Where webhooks may go. Entries are host names (`hooks.example.com`), wildcards for subdomains
 * (`*.example.com`), IP addresses or CIDR ranges (`10.0.0.0/8`, `fd00::/8`).
 *
 * - `deny` wins: a matching name, or any address the name resolves to in a denied range, is refused.
 * - With `allow`, a target must match it: its name, or every address it resolves to.
 * - Link-local addresses (LINK_LOCAL_NETWORKS) are refused unless an `allow` range covers them.
 */
export interface WebhookTargets {
  allow?: ReadonlyArray<string>;
  deny?: ReadonlyArray<string>;
}

interface Rules {
  names: string[];
  suffixes: string[];
  ranges: BlockList;
  hasRanges: boolean;
}

function family(address: string): 'ipv4' | 'ipv6' {
  return isIP(address) === 6 ? 'ipv6' : 'ipv4';
}

function compile(entries: ReadonlyArray<string>, field: string): Rules {
  const rules: Rules = { names: [], suffixes: [], ranges: new BlockList(), hasRanges: false };
  entries.forEach((raw, i) => {
    const entry = typeof raw === 'string' ? raw.trim().toLowerCase() : '';
    const bad = (why: string) =>
      new DealflowError('INVALID_CONFIG', `targets.${field}[${i}] ${describeValue(raw)} ${why}`, {
        issues: [{ path: `$.targets.${field}[${i}]`, message: why }],
      });
    const slash = entry.indexOf('/');
    if (slash >= 0) {
      const address = entry.slice(0, slash);
      const bits = Number(entry.slice(slash + 1));
      const max = isIP(address) === 4 ? 32 : isIP(address) === 6 ? 128 : 0;
      if (max === 0 || !Number.isInteger(bits) || bits < 0 || bits > max || entry.slice(slash + 1) === '') {
        throw bad('is not a CIDR range; write it as 10.0.0.0/8 or fd00::/8');
      }
      rules.ranges.addSubnet(address, bits, family(address));
      rules.hasRanges = true;
    } else if (isIP(entry)) {
      rules.ranges.addAddress(entry, family(entry));
      rules.hasRanges = true;
    } else if (entry.startsWith('*.') && isHostName(entry.slice(2))) {
      rules.suffixes.push(entry.slice(1));
    } else if (isHostName(entry)) {
      rules.names.push(entry);
    } else {
      throw bad('is not a host name, a *.wildcard, an IP address or a CIDR range');
    }
  });
  return rules;
}

function isHostName(s: string): boolean {
  return /^(?=.{1,253}$)[a-z0-9_](?:[a-z0-9_-]{0,61}[a-z0-9])?(?:\.[a-z0-9_](?:[a-z0-9_-]{0,61}[a-z0-9])?)*\.?$/.test(s);
}

function nameMatches(rules: Rules, host: string): boolean {
  const name = host.endsWith('.') ? host.slice(0, -1) : host;
  return rules.names.some((n) => n === name || n === `${name}.`) || rules.suffixes.some((s) => name.endsWith(s));
}

/** The IPv4 address a NAT64 (64:ff9b::/96) address carries, which is where it really goes. */
function embeddedIpv4(address: string): string | undefined {
  const m = /^64:ff9b::(?:([0-9a-f]{1,4}):([0-9a-f]{1,4})|(\d+\.\d+\.\d+\.\d+))$/i.exec(address);
  if (!m) return undefined;
  if (m[3]) return m[3];
  const hi = Number.parseInt(m[1]!, 16);
  const lo = Number.parseInt(m[2]!, 16);
  return `${hi >> 8}.${hi & 255}.${lo >> 8}.${lo & 255}`;
}

function inRanges(rules: Rules, address: string): boolean {
  if (!rules.hasRanges) return false;
  const plain = address.replace(/%.*$/, '');
  if (rules.ranges.check(plain, family(plain))) return true;
  const v4 = embeddedIpv4(plain);
  return v4 !== undefined && rules.ranges.check(v4, 'ipv4');
}

const LINK_LOCAL = compile(LINK_LOCAL_NETWORKS, 'linkLocal');

/** A host's webhook target rules, compiled once; checks names when rules are parsed and addresses before each request. */
export class TargetPolicy {
  private readonly allow: Rules | undefined;
  private readonly deny: Rules;

  constructor(targets: WebhookTargets = {}) {
    if (targets.allow !== undefined && !Array.isArray(targets.allow))
      throw new DealflowError('INVALID_CONFIG', 'targets.allow must be a list of hosts and ranges');
    if (targets.deny !== undefined && !Array.isArray(targets.deny))
      throw new DealflowError('INVALID_CONFIG', 'targets.deny must be a list of hosts and ranges');
    this.allow = targets.allow && targets.allow.length > 0 ? compile(targets.allow, 'allow') : undefined;
    this.deny = compile(targets.deny ?? [], 'deny');
  }

  /** Why a URL's host may not be posted to, judged by the name (or literal address) alone; undefined when it may. */
  nameProblem(hostname: string): string | undefined {
    const host = unbracket(hostname);
    if (nameMatches(this.deny, host)) return `${host} is in the webhook deny list`;
    if (isIP(host)) return this.addressProblem(host, host);
    return undefined;
  }

  /** Why the host, resolved to `address`, may not be posted to; undefined when it may. */
  addressProblem(hostname: string, address: string): string | undefined {
    const host = unbracket(hostname);
    const named = host === address ? address : `${host} (${address})`;
    if (inRanges(this.deny, address)) return `${named} is in a denied range`;
    const allowedRange = this.allow !== undefined && inRanges(this.allow, address);
    if (inRanges(LINK_LOCAL, address) && !allowedRange) {
      return `${named} is a link-local address (such as the cloud metadata service); allow its range explicitly if you mean it`;
    }
    if (this.allow && !allowedRange && !nameMatches(this.allow, host)) return `${named} is not in the webhook allow list`;
    return undefined;
  }

  /**
   * Resolves the host and checks every address it has; returns them, to connect to exactly what
   * was checked (a second lookup could answer differently). Refusal is `{ refused }`.
   */
  async resolve(hostname: string): Promise<{ addresses: Array<{ address: string; family: number }> } | { refused: string }> {
    const host = unbracket(hostname);
    const byName = this.nameProblem(host);
    if (byName) return { refused: byName };
    const addresses = isIP(host) ? [{ address: host, family: isIP(host) }] : await lookup(host, { all: true, verbatim: true });
    for (const a of addresses) {
      const problem = this.addressProblem(host, a.address);
      if (problem) return { refused: problem };
    }
    return { addresses };
  }
}

function unbracket(hostname: string): string {
  const h = hostname.toLowerCase();
  return h.startsWith('[') && h.endsWith(']') ? h.slice(1, -1) : h;
}
