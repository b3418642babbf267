namespace HealthLedger.Cli.Seeding;

/// <summary>
/// Common first and last names for synthetic patients (no real person): the scale generator's (<c>seed --scale</c>) and the
/// patient-search micro-benchmark's, which links this file so both search the same kind of names.
/// </summary>
internal static class SyntheticNames
{
    public static readonly string[] First = ["Olivia", "Amelia", "Isla", "Ava", "Mia", "Ivy", "Lily", "Isabella", "Rosie", "Sophia", "Grace", "Freya", "Florence",
        "Willow", "Evie", "Ella", "Poppy", "Aisha", "Noah", "Oliver", "George", "Arthur", "Muhammad", "Leo", "Harry", "Oscar", "Archie", "Henry", "Theodore", "Freddie",
        "Jack", "Charlie", "Thomas", "Jacob", "Alfie", "Finley", "Isaac", "Joshua", "Samuel", "Daniel", "Priya", "Chen", "Mateo", "Zofia", "Kwame", "Ines", "Yusuf", "Hana"];
    public static readonly string[] Last = ["Smith", "Jones", "Williams", "Taylor", "Brown", "Davies", "Evans", "Wilson", "Thomas", "Johnson", "Roberts", "Robinson",
        "Thompson", "Wright", "Walker", "White", "Edwards", "Hughes", "Green", "Hall", "Lewis", "Harris", "Clarke", "Patel", "Jackson", "Wood", "Turner", "Martin", "Cooper",
        "Hill", "Ward", "Morris", "Moore", "Clark", "Lee", "King", "Baker", "Harrison", "Morgan", "Allen", "James", "Scott", "Phillips", "Watson", "Davis", "Parker", "Price",
        "Bennett", "Young", "Griffiths", "Mitchell", "Kelly", "Cook", "Carter", "Richardson", "Bailey", "Collins", "Bell", "Shaw", "Murphy", "Miller", "Cox", "Richards",
        "Khan", "Marshall", "Anderson", "Simpson", "Ellis", "Adams", "Singh", "Begum", "Wilkinson", "Foster", "Chapman", "Powell", "Webb", "Rogers", "Gray", "Mason", "Ali"];
}
