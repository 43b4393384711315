package dev.nificnn.vocabulary;

/**
 * A choice of the core (an enum constant) with the name and explanation a user sees. The core stays free of NiFi; the
 * components turn choices into NiFi allowable values ({@code dev.nificnn.services.AllowableChoices}).
 */
public interface DescribedChoice {

    /** The value stored in a flow: the constant's name. */
    String getValue();

    /** The short name shown in the UI. */
    String getDisplayName();

    /** What choosing it does. */
    String getDescription();
}
