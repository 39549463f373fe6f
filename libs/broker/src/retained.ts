import { MULTI_LEVEL_WILDCARD, SINGLE_LEVEL_WILDCARD, TOPIC_SEPARATOR } from './constants.js';

class Node<T> {
  children: Map<string, Node<T>> | null = null;
  value: T | undefined = undefined;
}

/**
 * Retained messages in a trie of topic levels, so a new subscription visits only the topics its filter
 * can match instead of every retained topic.
 */
export class RetainedIndex<T> {
  private readonly root = new Node<T>();
  private count = 0;

  get size(): number {
    return this.count;
  }

  get(topic: string): T | undefined {
    let node: Node<T> | undefined = this.root;
    for (const level of topic.split(TOPIC_SEPARATOR)) {
      node = node.children?.get(level);
      if (node === undefined) return undefined;
    }
    return node.value;
  }

  set(topic: string, value: T): void {
    let node = this.root;
    for (const level of topic.split(TOPIC_SEPARATOR)) {
      const children: Map<string, Node<T>> = (node.children ??= new Map());
      let child = children.get(level);
      if (child === undefined) children.set(level, (child = new Node()));
      node = child;
    }
    if (node.value === undefined) this.count++;
    node.value = value;
  }

  delete(topic: string): boolean {
    const levels = topic.split(TOPIC_SEPARATOR);
    const path: Node<T>[] = [];
    let node: Node<T> | undefined = this.root;
    for (const level of levels) {
      path.push(node);
      node = node.children?.get(level);
      if (node === undefined) return false;
    }
    if (node.value === undefined) return false;
    node.value = undefined;
    this.count--;
    for (let i = levels.length - 1; i >= 0 && node.value === undefined && node.children === null; i--) {
      const parent = path[i];
      parent.children!.delete(levels[i]);
      if (parent.children!.size === 0) parent.children = null;
      node = parent;
    }
    return true;
  }

  /** Calls `visit` for each value whose topic matches `filter` (a valid filter); `$` topics skip root wildcards [MQTT-4.7.2-1]. */
  forEachMatch(filter: string, visit: (value: T) => void): void {
    walk(this.root, filter.split(TOPIC_SEPARATOR), 0, visit);
  }
}

function walk<T>(node: Node<T>, levels: string[], depth: number, visit: (value: T) => void): void {
  if (depth === levels.length) {
    if (node.value !== undefined) visit(node.value);
    return;
  }
  const level = levels[depth];
  if (level === MULTI_LEVEL_WILDCARD) {
    // 'a/#' matches 'a' itself (section 4.7.1.2); the root stands for no topic.
    if (node.value !== undefined) visit(node.value);
    visitBelow(node, depth === 0, visit);
    return;
  }
  const children = node.children;
  if (children === null) return;
  if (level !== SINGLE_LEVEL_WILDCARD) {
    const child = children.get(level);
    if (child !== undefined) walk(child, levels, depth + 1, visit);
    return;
  }
  for (const [name, child] of children) {
    if (depth === 0 && name.startsWith('$')) continue;
    walk(child, levels, depth + 1, visit);
  }
}

function visitBelow<T>(node: Node<T>, skipDollar: boolean, visit: (value: T) => void): void {
  if (node.children === null) return;
  for (const [name, child] of node.children) {
    if (skipDollar && name.startsWith('$')) continue;
    if (child.value !== undefined) visit(child.value);
    visitBelow(child, false, visit);
  }
}
