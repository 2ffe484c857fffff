// Shared jest setup for every project.
import "@testing-library/jest-dom";

if (typeof window !== "undefined") {
  // jsdom has no ResizeObserver; Fluent UI v9 components use it.
  class ResizeObserverStub {
    observe(): void {}
    unobserve(): void {}
    disconnect(): void {}
  }
  (globalThis as unknown as { ResizeObserver: unknown }).ResizeObserver ??= ResizeObserverStub;
}
