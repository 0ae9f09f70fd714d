package dev.imagegate.policy;

/** What to do with an image the policy cannot judge on findings: its scan failed or is still running. */
public enum Action { DENY, ALLOW }
