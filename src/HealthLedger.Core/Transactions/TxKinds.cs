using System.Diagnostics.CodeAnalysis;
using HealthLedger.Core.Transactions.Kinds;

namespace HealthLedger.Core.Transactions;

/// <summary>The registry of transaction kinds. Adding a kind: an enum value, a handler file, one line here.</summary>
public static class TxKinds
{
    private static readonly Dictionary<TxKind, TxKindHandler> Handlers = new TxKindHandler[]
    {
        new GenesisHandler(),
        new RegisterUserHandler(),
        new RegisterPatientHandler(),
        new RegisterDoctorHandler(),
        new UpdateRecordHandler(),
        new AddEntryHandler(),
        new AddReportHandler(),
        new GrantAccessHandler(),
        new RevokeAccessHandler(),
        new RecordDisclosuresHandler(),
        new ConfigureNodesHandler(),
        new RecordVitalSignsHandler(),
        new ConfigureWardsHandler(),
        new EndCareHandler(),
        new ConfigurePolicyHandler(),
        new RecordPrintoutHandler(),
        new ProposeHandler(),
        new VoteHandler(),
        new WithdrawHandler(),
        new SealLoginHandler(),
        new RequestAccessHandler(),
        new AnswerAccessRequestHandler(),
        new BreakGlassHandler(),
        new ReviewBreakGlassHandler(),
        new WrapEmergencyKeysHandler(),
        new IndexPatientHandler(),
        new WrapBreakGlassKeysHandler(),
        new ConfigureLabCatalogueHandler(),
        new PlaceLabOrderHandler(),
        new RecordLabSpecimenHandler(),
        new EnterLabResultsHandler(),
        new ValidateLabResultsHandler(),
        new PostLabChargeHandler(),
        new DefineDrugHandler(),
        new ReceiveStockHandler(),
        new PrescribeHandler(),
        new DispenseHandler(),
        new SetExpensePolicyHandler(),
        new RecordExpenseHandler(),
        new ApproveExpenseHandler(),
        new RejectExpenseHandler(),
        new SetBudgetHandler(),
    }.ToDictionary(h => h.Kind);

    /// <summary>Finds the handler of a kind.</summary>
    public static bool TryGet(TxKind kind, [NotNullWhen(true)] out TxKindHandler? handler) => Handlers.TryGetValue(kind, out handler);

    /// <summary>True when some kind holds record <paramref name="recordId"/>, version <paramref name="version"/>, of <paramref name="patientId"/> (see <see cref="TxKindHandler.PatientOfRecord"/>).</summary>
    public static bool IsRecordOfPatient(TxContext context, string recordId, int version, string patientId) =>
        Handlers.Values.Any(h => h.PatientOfRecord(context, recordId, version) == patientId);

    /// <summary>Every known kind.</summary>
    public static IEnumerable<TxKind> All => Handlers.Keys.Order();
}
