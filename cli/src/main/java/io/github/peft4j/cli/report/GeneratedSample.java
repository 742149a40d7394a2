package io.github.peft4j.cli.report;

/** One sample generation shown in a report. */
public record GeneratedSample(String source, String reference, String generated) {}
