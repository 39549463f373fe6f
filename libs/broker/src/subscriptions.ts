import { MULTI_LEVEL_WILDCARD, type QoS, SINGLE_LEVEL_WILDCARD, TOPIC_SEPARATOR } from './constants.js';
import type { StoredSubscription } from './ports.js';
import { hasWildcard } from './topics.js';

/** Who holds a subscription: a session, or an in-process handler. Compared by identity. */
export type SubscriptionOwner = object;

/** One subscription: immutable, so a route cached for a topic never sees it change (a new SUBSCRIBE replaces it). */
export class Subscription<Owner extends SubscriptionOwner = SubscriptionOwner> {
  constructor(
    readonly owner: Owner,
    /** The filter as subscribed, `$share/{group}/` included. */
    readonly raw: string,
    /** The filter messages are matched against (without a `$share/{group}/` prefix). */
    readonly filter: string,
    readonly qos: QoS,
    readonly noLocal: boolean,
    readonly retainAsPublished: boolean,
    readonly retainHandling: 0 | 1 | 2,
    /** MQTT 5 Subscription Identifier; 0 = none. */
    readonly identifier: number,
    /** The share group of a `$share/{group}/{filter}` subscription, or null. */
    readonly group: SharedGroup<Owner> | null,
  ) {}

  toStored(): StoredSubscription {
    const { raw: filter, qos, noLocal, retainAsPublished, retainHandling, identifier } = this;
    return { filter, qos, noLocal, retainAsPublished, retainHandling, identifier };
  }
}

/** The members of one `$share/{name}/{filter}`: each message goes to one of them (section 4.8.2). */
export class SharedGroup<Owner extends SubscriptionOwner = SubscriptionOwner> {
  readonly members: Subscription<Owner>[] = [];
  /** Where the next round-robin pick starts. */
  cursor = 0;

  constructor(
    readonly name: string,
    readonly filter: string,
  ) {}
}

/** The subscriptions of one owner that match a topic: the owner gets one copy (section 3.3.4). */
export class Target<Owner extends SubscriptionOwner = SubscriptionOwner> {
  constructor(
    readonly owner: Owner,
    readonly subscriptions: Subscription<Owner>[],
  ) {}
}

/** Everyone a topic's messages go to, as matched at one moment; cached per topic. */
export class Route<Owner extends SubscriptionOwner = SubscriptionOwner> {
  constructor(
    readonly targets: Target<Owner>[],
    readonly groups: SharedGroup<Owner>[],
  ) {}

  get empty(): boolean {
    return this.targets.length === 0 && this.groups.length === 0;
  }
}

class Node<Owner extends SubscriptionOwner> {
  children: Map<string, Node<Owner>> | null = null;
  subscriptions: Set<Subscription<Owner>> | null = null;
  groups: SharedGroup<Owner>[] | null = null;

  get empty(): boolean {
    return this.children === null && this.subscriptions === null && this.groups === null;
  }
}

/** Topics whose routes are kept; the oldest is forgotten first. */
const ROUTE_CACHE_SIZE = 10_000;

/**
 * The subscriptions of every session, in a trie of topic levels, with the route of each recently
 * published topic cached: a topic published again costs one Map lookup until a subscription changes.
 */
export class SubscriptionIndex<Owner extends SubscriptionOwner = SubscriptionOwner> {
  private readonly root = new Node<Owner>();
  private cache = new Map<string, Route<Owner>>();
  private subscriptionCount = 0;

  /** Subscriptions in the index, shared ones counted per member. */
  get size(): number {
    return this.subscriptionCount;
  }

  add(subscription: Subscription<Owner>): void {
    const node = this.nodeFor(subscription.filter);
    const group = subscription.group;
    if (group === null) {
      (node.subscriptions ??= new Set()).add(subscription);
    } else {
      if (group.members.length === 0) (node.groups ??= []).push(group);
      group.members.push(subscription);
    }
    this.subscriptionCount++;
    this.invalidate(subscription.filter);
  }

  /** Removes the subscription (the same object that was added); false when it is not in the index. */
  remove(subscription: Subscription<Owner>): boolean {
    const path: Node<Owner>[] = [];
    let node: Node<Owner> | undefined = this.root;
    const levels = subscription.filter.split(TOPIC_SEPARATOR);
    for (const level of levels) {
      path.push(node);
      node = node.children?.get(level);
      if (node === undefined) return false;
    }
    const group = subscription.group;
    if (group === null) {
      if (node.subscriptions?.delete(subscription) !== true) return false;
      if (node.subscriptions.size === 0) node.subscriptions = null;
    } else {
      if (!removeItem(group.members, subscription)) return false;
      if (group.members.length === 0) {
        removeItem(node.groups, group);
        if (node.groups!.length === 0) node.groups = null;
      }
    }
    this.subscriptionCount--;
    // Prune the levels nobody subscribes below any more.
    for (let i = levels.length - 1; i >= 0 && node.empty; i--) {
      const parent = path[i];
      parent.children!.delete(levels[i]);
      if (parent.children!.size === 0) parent.children = null;
      node = parent;
    }
    this.invalidate(subscription.filter);
    return true;
  }

  /** The share group for `name` and `filter`, if it has members. */
  group(name: string, filter: string): SharedGroup<Owner> | undefined {
    let node: Node<Owner> | undefined = this.root;
    for (const level of filter.split(TOPIC_SEPARATOR)) {
      node = node.children?.get(level);
      if (node === undefined) return undefined;
    }
    return node.groups?.find((group) => group.name === name);
  }

  /** Everyone a message published to `topic` goes to. */
  match(topic: string): Route<Owner> {
    const cached = this.cache.get(topic);
    if (cached !== undefined) return cached;
    const subscriptions: Subscription<Owner>[] = [];
    const groups: SharedGroup<Owner>[] = [];
    // [MQTT-4.7.2-1]: wildcards at the first level do not match topics starting with '$'
    collect(this.root, topic.split(TOPIC_SEPARATOR), 0, topic.startsWith('$'), subscriptions, groups);
    const route = new Route(targetsOf(subscriptions), groups);
    if (this.cache.size >= ROUTE_CACHE_SIZE) this.cache.delete(this.cache.keys().next().value!);
    this.cache.set(topic, route);
    return route;
  }

  private nodeFor(filter: string): Node<Owner> {
    let node = this.root;
    for (const level of filter.split(TOPIC_SEPARATOR)) {
      const children: Map<string, Node<Owner>> = (node.children ??= new Map());
      let child = children.get(level);
      if (child === undefined) children.set(level, (child = new Node()));
      node = child;
    }
    return node;
  }

  /** A change to a plain filter affects only that topic's route; a wildcard filter may affect any. */
  private invalidate(filter: string): void {
    if (hasWildcard(filter)) this.cache = new Map();
    else this.cache.delete(filter);
  }
}

function collect<Owner extends SubscriptionOwner>(
  node: Node<Owner>,
  levels: string[],
  depth: number,
  dollar: boolean,
  subscriptions: Subscription<Owner>[],
  groups: SharedGroup<Owner>[],
): void {
  const children = node.children;
  if (depth === levels.length) {
    addAll(node, subscriptions, groups);
    // 'a/#' also matches 'a' (section 4.7.1.2)
    const multi = children?.get(MULTI_LEVEL_WILDCARD);
    if (multi !== undefined) addAll(multi, subscriptions, groups);
    return;
  }
  if (children === null) return;
  const exact = children.get(levels[depth]);
  if (exact !== undefined) collect(exact, levels, depth + 1, dollar, subscriptions, groups);
  if (dollar && depth === 0) return;
  const single = children.get(SINGLE_LEVEL_WILDCARD);
  if (single !== undefined) collect(single, levels, depth + 1, dollar, subscriptions, groups);
  const multi = children.get(MULTI_LEVEL_WILDCARD);
  if (multi !== undefined) addAll(multi, subscriptions, groups);
}

function addAll<Owner extends SubscriptionOwner>(node: Node<Owner>, subscriptions: Subscription<Owner>[], groups: SharedGroup<Owner>[]): void {
  if (node.subscriptions !== null) for (const subscription of node.subscriptions) subscriptions.push(subscription);
  if (node.groups !== null) for (const group of node.groups) groups.push(group);
}

/** Groups matching subscriptions by owner, keeping the order owners first matched. */
function targetsOf<Owner extends SubscriptionOwner>(subscriptions: Subscription<Owner>[]): Target<Owner>[] {
  if (subscriptions.length === 1) return [new Target(subscriptions[0].owner, subscriptions)];
  const byOwner = new Map<Owner, Subscription<Owner>[]>();
  for (const subscription of subscriptions) {
    const list = byOwner.get(subscription.owner);
    if (list === undefined) byOwner.set(subscription.owner, [subscription]);
    else list.push(subscription);
  }
  return Array.from(byOwner, ([owner, list]) => new Target(owner, list));
}

function removeItem<T>(list: T[] | null, item: T): boolean {
  const index = list === null ? -1 : list.indexOf(item);
  if (index === -1) return false;
  list!.splice(index, 1);
  return true;
}
