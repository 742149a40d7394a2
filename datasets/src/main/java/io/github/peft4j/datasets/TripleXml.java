package io.github.peft4j.datasets;

import io.github.peft4j.core.io.TextFiles;
import io.github.peft4j.spi.PeftException;
import io.github.peft4j.spi.StandardErrorCode;
import java.io.CharConversionException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import javax.xml.XMLConstants;
import javax.xml.parsers.DocumentBuilder;
import javax.xml.parsers.DocumentBuilderFactory;
import javax.xml.parsers.ParserConfigurationException;
import org.w3c.dom.Document;
import org.w3c.dom.Element;
import org.w3c.dom.Node;
import org.w3c.dom.NodeList;
import org.xml.sax.ErrorHandler;
import org.xml.sax.SAXException;
import org.xml.sax.SAXParseException;

/**
 * The XML of the WebNLG challenge, which DART reuses: {@code <entry category= eid=>} elements, each with
 * {@code <modifiedtripleset><mtriple>s | p | o</mtriple>...} and {@code <lex comment= lid=>text</lex>}. Parsed with
 * the JDK's parser with document type declarations refused, so no external entity is ever resolved.
 */
final class TripleXml {
    /** One lexicalisation: its {@code comment} attribute (WebNLG: good or toFix; DART: the annotation source). */
    record Lexicalisation(String comment, String text) {}

    /** One {@code <entry>}, with a name for error messages. */
    record Entry(String name, Optional<String> category, List<Triple> triples, List<Lexicalisation> lexicalisations) {}

    private TripleXml() {}

    static List<Entry> read(Path file) {
        Document document = parse(file);
        NodeList entryNodes = document.getElementsByTagName("entry");
        List<Entry> entries = new ArrayList<>(entryNodes.getLength());
        for (int i = 0; i < entryNodes.getLength(); i++) {
            entries.add(entry(file, (Element) entryNodes.item(i), i + 1));
        }
        if (entries.isEmpty()) {
            throw DatasetFiles.malformedFile(file, "has no <entry> elements");
        }
        return entries;
    }

    private static Entry entry(Path file, Element element, int position) {
        String name = "entry " + position + (element.hasAttribute("eid") ? " (eid " + element.getAttribute("eid") + ")" : "");
        List<Element> tripleSets = children(element, "modifiedtripleset");
        if (tripleSets.size() != 1) {
            throw DatasetFiles.malformedEntry(file, name, "needs exactly one <modifiedtripleset>, found " + tripleSets.size());
        }
        List<Triple> triples = new ArrayList<>();
        for (Element mtriple : children(tripleSets.get(0), "mtriple")) {
            try {
                triples.add(Triple.parse(mtriple.getTextContent()));
            }
            catch (IllegalArgumentException e) {
                throw DatasetFiles.malformedEntry(file, name, e.getMessage());
            }
        }
        if (triples.isEmpty()) {
            throw DatasetFiles.malformedEntry(file, name, "its <modifiedtripleset> has no <mtriple>");
        }
        List<Lexicalisation> lexicalisations = children(element, "lex").stream()
                .map(lex -> new Lexicalisation(lex.getAttribute("comment"), lex.getTextContent()))
                .toList();
        Optional<String> category = element.hasAttribute("category") ? Optional.of(element.getAttribute("category")) : Optional.empty();
        return new Entry(name, category, triples, lexicalisations);
    }

    private static List<Element> children(Element parent, String tag) {
        List<Element> children = new ArrayList<>();
        for (Node child = parent.getFirstChild(); child != null; child = child.getNextSibling()) {
            if (child instanceof Element element && element.getTagName().equals(tag)) {
                children.add(element);
            }
        }
        return children;
    }

    private static Document parse(Path file) {
        DocumentBuilder builder = newBuilder();
        try (InputStream in = Files.newInputStream(file)) {
            return builder.parse(in, file.toUri().toString());
        }
        catch (SAXParseException e) {
            if (e.getException() instanceof CharConversionException) {
                throw new PeftException(StandardErrorCode.MALFORMED_DATASET, TextFiles.notUtf8(file), e);
            }
            throw DatasetFiles.malformed(file, e.getLineNumber(), "is not well-formed XML (" + e.getMessage() + ")");
        }
        catch (SAXException e) {
            throw DatasetFiles.malformedFile(file, "is not well-formed XML (" + e.getMessage() + ")");
        }
        catch (IOException e) {
            throw DatasetFiles.readFailure(file, e);
        }
    }

    private static DocumentBuilder newBuilder() {
        try {
            DocumentBuilderFactory factory = DocumentBuilderFactory.newInstance();
            factory.setFeature("http://apache.org/xml/features/disallow-doctype-decl", true);
            factory.setFeature(XMLConstants.FEATURE_SECURE_PROCESSING, true);
            factory.setAttribute(XMLConstants.ACCESS_EXTERNAL_DTD, "");
            factory.setAttribute(XMLConstants.ACCESS_EXTERNAL_SCHEMA, "");
            factory.setXIncludeAware(false);
            factory.setExpandEntityReferences(false);
            DocumentBuilder builder = factory.newDocumentBuilder();
            builder.setErrorHandler(new ErrorHandler() {
                @Override
                public void warning(SAXParseException exception) {}

                @Override
                public void error(SAXParseException exception) throws SAXParseException {
                    throw exception;
                }

                @Override
                public void fatalError(SAXParseException exception) throws SAXParseException {
                    throw exception;
                }
            });
            return builder;
        }
        catch (ParserConfigurationException e) {
            throw new IllegalStateException("The JDK's XML parser lacks a security feature", e);
        }
    }
}
