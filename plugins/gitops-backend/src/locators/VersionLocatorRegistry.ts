import type { VersionLocator } from './types';
import { ArgoCdApplicationLocator } from './ArgoCdApplicationLocator';
import { ContainerImageLocator } from './ContainerImageLocator';
import { HelmValuesLocator } from './HelmValuesLocator';
import { KustomizeImageLocator } from './KustomizeImageLocator';

/** The locators a pipeline file may name in `locator.type`. */
export class VersionLocatorRegistry {
  private readonly locators = new Map<string, VersionLocator>();

  /** Adds a locator; a second locator with the same type is a programming error. */
  register(locator: VersionLocator): this {
    if (this.locators.has(locator.type)) {
      throw new Error(
        `a version locator of type "${locator.type}" is already registered`,
      );
    }
    this.locators.set(locator.type, locator);
    return this;
  }

  get(type: string): VersionLocator | undefined {
    return this.locators.get(type);
  }

  /** Registered types, sorted (for "known: …" messages). */
  types(): string[] {
    return [...this.locators.keys()].sort();
  }
}

/** A registry with the four built-in locators of docs/pipeline.md. */
export function createDefaultLocatorRegistry(): VersionLocatorRegistry {
  return new VersionLocatorRegistry()
    .register(new KustomizeImageLocator())
    .register(new HelmValuesLocator())
    .register(new ContainerImageLocator())
    .register(new ArgoCdApplicationLocator());
}
