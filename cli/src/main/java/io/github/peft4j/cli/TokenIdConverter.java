package io.github.peft4j.cli;

import io.github.peft4j.core.training.TokenIds;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.TypeConversionException;

/** A token id option's values: whole numbers from 0 to 2^63-1, refused with the reason otherwise (never wrapped). */
final class TokenIdConverter implements ITypeConverter<Long> {
    @Override
    public Long convert(String value) {
        try {
            return TokenIds.parse(value);
        }
        catch (IllegalArgumentException e) {
            throw new TypeConversionException(e.getMessage());
        }
    }
}
