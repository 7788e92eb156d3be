using System.Security.Claims;
using Microsoft.Extensions.Time.Testing;
using Microsoft.IdentityModel.JsonWebTokens;
using QuoteCluster.Security;

namespace QuoteCluster.Tests.Security;

public sealed class StreamTicketsTests
{
    private const string Key = "a-shared-stream-ticket-key-32-bytes-long";
    private static readonly ClaimsPrincipal Reader = new(new ClaimsIdentity(
        [new Claim(ClaimTypes.Name, "read-token-1"), new Claim(QuoteClusterRoles.ClaimType, QuoteClusterRoles.Read)], "test"));

    [Fact]
    public async Task A_ticket_holds_the_callers_name_and_role_and_lasts_a_minute_and_the_clock_skew()
    {
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 11, 18, 15, 0, 0, TimeSpan.Zero));
        var tickets = new StreamTickets(Key, time);
        var (ticket, expiresAt) = tickets.Issue(Reader);
        Assert.Equal(time.GetUtcNow() + StreamTickets.Lifetime, expiresAt);

        var valid = await ValidateAsync(tickets, ticket);
        Assert.True(valid.IsValid);
        Assert.Equal("read-token-1", valid.ClaimsIdentity.Name);
        Assert.Equal(QuoteClusterRoles.Read, valid.ClaimsIdentity.FindFirst(QuoteClusterRoles.ClaimType)!.Value);

        time.Advance(StreamTickets.Lifetime + StreamTickets.ClockSkew - TimeSpan.FromSeconds(1));
        Assert.True((await ValidateAsync(tickets, ticket)).IsValid);
        time.Advance(TimeSpan.FromSeconds(2));
        Assert.False((await ValidateAsync(tickets, ticket)).IsValid);
    }

    [Fact]
    public async Task Another_replica_with_the_same_key_accepts_the_ticket_and_one_with_another_key_does_not()
    {
        var ticket = new StreamTickets(Key, TimeProvider.System).Issue(Reader).Ticket;
        Assert.True((await ValidateAsync(new StreamTickets(Key, TimeProvider.System), ticket)).IsValid);
        Assert.False((await ValidateAsync(new StreamTickets(Key + "-rotated", TimeProvider.System), ticket)).IsValid);
    }

    [Fact]
    public async Task A_ticket_is_not_a_token_of_the_users_identity_provider_even_with_the_same_secret()
    {
        // Derived for this purpose only: a ticket key that is also the HS256 JWT secret still signs nothing users could present.
        var ticket = new StreamTickets(Key, TimeProvider.System).Issue(Reader).Ticket;
        var asJwt = await new JsonWebTokenHandler().ValidateTokenAsync(ticket, new Microsoft.IdentityModel.Tokens.TokenValidationParameters
        {
            ValidIssuer = StreamTickets.Issuer,
            ValidAudience = StreamTickets.Audience,
            IssuerSigningKey = new Microsoft.IdentityModel.Tokens.SymmetricSecurityKey(System.Text.Encoding.UTF8.GetBytes(Key)),
        });
        Assert.False(asJwt.IsValid);
    }

    private static Task<Microsoft.IdentityModel.Tokens.TokenValidationResult> ValidateAsync(StreamTickets tickets, string ticket) =>
        new JsonWebTokenHandler { MapInboundClaims = false }.ValidateTokenAsync(ticket, tickets.ValidationParameters);
}
