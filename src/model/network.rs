//! The supply network: commodities, nodes (mines, refineries, hubs, markets) and edges.

use std::fmt;

/// Index of a commodity in file order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct CommodityId(pub usize);

/// Index of a node in file order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct NodeId(pub usize);

/// Index of an edge in file order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct EdgeId(pub usize);

/// An ISO 3166-1 alpha-2 country code (two capital letters).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Country([u8; 2]);

impl Country {
    /// `ZZ`, the ISO user-assigned code for an unknown or unspecified country.
    pub const UNKNOWN: Country = Country(*b"ZZ");

    /// Parses two capital ASCII letters.
    pub fn parse(text: &str) -> Option<Self> {
        let bytes = text.as_bytes();
        (bytes.len() == 2 && bytes.iter().all(u8::is_ascii_uppercase))
            .then(|| Self([bytes[0], bytes[1]]))
    }

    /// The code as text.
    pub fn as_str(&self) -> &str {
        std::str::from_utf8(&self.0).expect("country codes are ASCII by construction")
    }
}

impl fmt::Display for Country {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A commodity, in tonnes of contained material.
#[derive(Debug, Clone, PartialEq)]
pub struct Commodity {
    /// Identifier, `[a-z0-9_]+`.
    pub id: String,
    /// Display name (defaults to the id).
    pub name: String,
}

/// What a node does in the network.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NodeKind {
    /// Produces up to its capacity; has no incoming edges.
    Mine,
    /// Passes at most its capacity of each commodity it handles.
    Refinery,
    /// Passes every commodity; limits only those in its capacity.
    Hub,
    /// Consumes up to its demand plus the room in its stock; has no outgoing edges.
    Market,
}

impl NodeKind {
    /// The name used in scenario files.
    pub fn as_str(self) -> &'static str {
        match self {
            NodeKind::Mine => "mine",
            NodeKind::Refinery => "refinery",
            NodeKind::Hub => "hub",
            NodeKind::Market => "market",
        }
    }
}

/// What only a market has.
#[derive(Debug, Clone, PartialEq)]
pub struct Market {
    /// Demand per commodity in t/yr (`None`: the market does not take that commodity).
    pub demand_t_per_year: Vec<Option<f64>>,
    /// Yearly demand growth, drawn once per trial.
    pub demand_growth: crate::model::distribution::Distribution,
    /// Stock cap per commodity in months of demand (0 when absent).
    pub stock_months: Vec<f64>,
    /// Higher is served first when markets compete.
    pub priority: f64,
}

/// A node of the network.
#[derive(Debug, Clone, PartialEq)]
pub struct Node {
    /// Identifier, `[a-z0-9_]+`.
    pub id: String,
    /// Display name (defaults to the id).
    pub name: String,
    /// Mine, refinery, hub or market.
    pub kind: NodeKind,
    /// Where the node is.
    pub country: Country,
    /// Capacity per commodity in t/yr; `None` is uncapped (hubs) or not handled (mines, refineries).
    pub capacity_t_per_year: Vec<Option<f64>>,
    /// Demand, growth, stock and priority, for markets only.
    pub market: Option<Market>,
}

impl Node {
    /// Whether the node handles commodity `c`: a mine or refinery those in its capacity, a
    /// market those in its demand, a hub every commodity.
    pub fn handles(&self, c: CommodityId) -> bool {
        match self.kind {
            NodeKind::Mine | NodeKind::Refinery => self.capacity_t_per_year[c.0].is_some(),
            NodeKind::Hub => true,
            NodeKind::Market => self
                .market
                .as_ref()
                .is_some_and(|m| m.demand_t_per_year[c.0].is_some()),
        }
    }

    /// The market's demand for `c` in t/yr (0 for other nodes or unhandled commodities).
    pub fn demand_t_per_year(&self, c: CommodityId) -> f64 {
        self.market
            .as_ref()
            .and_then(|m| m.demand_t_per_year[c.0])
            .unwrap_or(0.0)
    }
}

/// A directed edge, pointing downstream.
#[derive(Debug, Clone, PartialEq)]
pub struct Edge {
    /// Upstream node.
    pub from: NodeId,
    /// Downstream node.
    pub to: NodeId,
    /// Capacity per commodity in t/yr (`None`: unlimited).
    pub capacity_t_per_year: Vec<Option<f64>>,
    /// Which commodities the edge carries.
    pub carries: Vec<bool>,
    /// Cost per tonne; lower is preferred (counted to 0.001).
    pub cost: f64,
}

/// Commodities, nodes and edges.
#[derive(Debug, Clone, PartialEq)]
pub struct Network {
    /// Commodities in file order.
    pub commodities: Vec<Commodity>,
    /// Nodes in file order.
    pub nodes: Vec<Node>,
    /// Edges in file order.
    pub edges: Vec<Edge>,
}

/// The edges at each node ([`Network::adjacency`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Adjacency {
    /// Per node, the indices of its incoming edges, ascending.
    pub into: Vec<Vec<usize>>,
    /// Per node, the indices of its outgoing edges, ascending.
    pub out_of: Vec<Vec<usize>>,
}

impl Network {
    /// The node with id `id`.
    pub fn node_by_id(&self, id: &str) -> Option<NodeId> {
        self.nodes.iter().position(|n| n.id == id).map(NodeId)
    }

    /// The commodity with id `id`.
    pub fn commodity_by_id(&self, id: &str) -> Option<CommodityId> {
        self.commodities
            .iter()
            .position(|c| c.id == id)
            .map(CommodityId)
    }

    /// Per node, the indices of the edges into it and of the edges out of it, each in file
    /// order: graph walks then take time in the edges they follow, not nodes × edges (a
    /// 20,000-mine file took 3 s to check when every step scanned every edge).
    pub fn adjacency(&self) -> Adjacency {
        let n = self.nodes.len();
        let mut into = vec![Vec::new(); n];
        let mut out_of = vec![Vec::new(); n];
        for (i, edge) in self.edges.iter().enumerate() {
            into[edge.to.0].push(i);
            out_of[edge.from.0].push(i);
        }
        Adjacency { into, out_of }
    }

    /// Node ids in an order where every edge goes from an earlier node to a later one
    /// (Kahn's algorithm, ties by file order). `None` if the network has a cycle.
    pub fn topological_order(&self) -> Option<Vec<NodeId>> {
        let n = self.nodes.len();
        let mut indegree = vec![0usize; n];
        let mut outgoing: Vec<Vec<usize>> = vec![Vec::new(); n];
        for edge in &self.edges {
            indegree[edge.to.0] += 1;
            outgoing[edge.from.0].push(edge.to.0);
        }
        let mut ready: std::collections::BTreeSet<usize> =
            (0..n).filter(|&v| indegree[v] == 0).collect();
        let mut order = Vec::with_capacity(n);
        while let Some(v) = ready.pop_first() {
            order.push(NodeId(v));
            for &w in &outgoing[v] {
                indegree[w] -= 1;
                if indegree[w] == 0 {
                    ready.insert(w);
                }
            }
        }
        (order.len() == n).then_some(order)
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn adjacency_lists_every_edge_at_both_ends_in_file_order() {
        let (model, _) = crate::scenario::load("pakistan").expect("bundled");
        let network = &model.network;
        let adjacency = network.adjacency();
        assert_eq!(adjacency.into.len(), network.nodes.len());
        for v in 0..network.nodes.len() {
            let into: Vec<usize> = (0..network.edges.len())
                .filter(|&i| network.edges[i].to.0 == v)
                .collect();
            let out_of: Vec<usize> = (0..network.edges.len())
                .filter(|&i| network.edges[i].from.0 == v)
                .collect();
            assert_eq!(adjacency.into[v], into, "node {v}");
            assert_eq!(adjacency.out_of[v], out_of, "node {v}");
        }
        assert!(adjacency.into.iter().map(Vec::len).sum::<usize>() == network.edges.len());
    }
}
